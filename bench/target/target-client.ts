/** Traits as `GET /api/stores` reports them (only the fields the bench reads). */
export interface ApiStoreTraits {
	name: string;
	title?: string;
	consistency: string;
	atomicIncrement: { supported: boolean; technique?: string };
	compareAndSwap: { supported: boolean; technique?: string };
	ttl: { minSeconds: number; maxSeconds: number; mechanism?: string };
	limits?: { writesPerSecondPerKey: number | null };
	localDevCaveats?: string[];
}

/** An HTTP answer from the target, body parsed as JSON when it is JSON. */
export interface ApiAnswer {
	status: number;
	body: unknown;
	headers: Headers;
}

/** What is being measured: the bench's own `wrangler dev`, another local URL, or a deployment. */
export interface TargetInfo {
	kind: "local" | "production";
	/** Scheme, host and port, no trailing slash. */
	origin: string;
	/** True when the bench started this `wrangler dev` itself (state is thrown away afterwards). */
	embedded: boolean;
}

/** True for http(s)://localhost, 127.x.x.x and [::1]. */
export function isLocalHost(url: URL): boolean {
	const host = url.hostname.replace(/^\[|\]$/g, "");
	return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * A small JSON client for set-up, clean-up and checks (the measured load goes through the load engine).
 * Adds `Authorization: Bearer` when a token is given; every call has a timeout.
 */
export class TargetClient {
	constructor(
		readonly origin: string,
		readonly token: string | undefined,
		readonly timeoutMs = 10_000,
	) {}

	/** Headers every request to the target carries (the load engine uses them too). */
	get headers(): Record<string, string> {
		return this.token ? { authorization: `Bearer ${this.token}` } : {};
	}

	async call(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<ApiAnswer> {
		const timeout = AbortSignal.timeout(this.timeoutMs);
		const res = await fetch(`${this.origin}${path}`, {
			method,
			headers: { ...this.headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
		});
		const text = await res.text();
		let parsed: unknown = text;
		if ((res.headers.get("content-type") ?? "").includes("json") && text) {
			try {
				parsed = JSON.parse(text);
			} catch {
				parsed = text;
			}
		}
		return { status: res.status, body: parsed, headers: res.headers };
	}

	/** Like {@link call} but throws unless the status is 2xx, quoting the answer. */
	async expectOk(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<ApiAnswer> {
		const answer = await this.call(method, path, body, signal);
		if (answer.status < 200 || answer.status >= 300) {
			throw new Error(
				`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`,
			);
		}
		return answer;
	}

	/** The stores the Worker offers, with their traits. */
	async stores(signal?: AbortSignal): Promise<ApiStoreTraits[]> {
		const answer = await this.expectOk("GET", "/api/stores", undefined, signal);
		const stores = (answer.body as { stores?: ApiStoreTraits[] }).stores;
		if (!Array.isArray(stores)) throw new Error("GET /api/stores did not answer {stores: [...]}");
		return stores;
	}
}
