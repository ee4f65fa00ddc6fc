import { Pool } from "undici";

/**
 * Microseconds on the process's monotonic clock (`performance.now()`), rounded to whole µs.
 * Every call and return time of a run is taken from this one clock, so histories from different
 * clients (connections) can be compared.
 */
export function monotonicUs(): number {
	return Math.round(performance.now() * 1000);
}

/** What one request came to: an answer (any status), or nothing seen at all. */
export type CallOutcome =
	| {
			kind: "answered";
			status: number;
			/** JSON-parsed when the body is JSON, else the text. */
			body: unknown;
			/** Lower-cased response header (first value) or undefined. */
			header(name: string): string | undefined;
			callUs: number;
			returnUs: number;
	  }
	| {
			/** Timeout or dropped connection: the request may or may not have taken effect. */
			kind: "lost";
			reason: string;
			callUs: number;
	  };

export interface StoreConnectionOptions {
	/** Parallel connections of this client (each a separate socket). */
	connections: number;
	/** Headers sent with every request (the bearer token). */
	headers: Record<string, string>;
	/** Per-request timeout: past it the outcome is `lost`. */
	timeoutMs: number;
}

/**
 * A client of the target with its own connection pool, so a writer and its readers in a
 * consistency scenario never share a socket. Records call and return times on {@link monotonicUs}.
 */
export class StoreConnection {
	readonly #pool: Pool;
	readonly #headers: Record<string, string>;
	readonly #timeoutMs: number;

	constructor(origin: string, options: StoreConnectionOptions) {
		this.#pool = new Pool(origin, {
			connections: Math.max(1, options.connections),
			pipelining: 1,
			connectTimeout: options.timeoutMs,
			headersTimeout: options.timeoutMs,
			bodyTimeout: options.timeoutMs,
			keepAliveTimeout: 30_000,
		});
		this.#headers = options.headers;
		this.#timeoutMs = options.timeoutMs;
	}

	/**
	 * Send one request. Resolves `lost` on a timeout or a network error; rejects only when
	 * `signal` aborts (the run is stopping).
	 */
	async call(
		method: string,
		path: string,
		body?: unknown,
		extraHeaders: Record<string, string> = {},
		signal?: AbortSignal,
	): Promise<CallOutcome> {
		const headers: Record<string, string> = { ...this.#headers, ...extraHeaders };
		if (body !== undefined) headers["content-type"] = "application/json";
		const callUs = monotonicUs();
		const timeout = AbortSignal.timeout(this.#timeoutMs);
		try {
			const response = await this.#pool.request({
				path,
				method: method as "GET",
				headers,
				body: body === undefined ? undefined : JSON.stringify(body),
				signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
			});
			const text = await response.body.text();
			const returnUs = monotonicUs();
			let parsed: unknown = text;
			if (String(response.headers["content-type"] ?? "").includes("json") && text) {
				try {
					parsed = JSON.parse(text);
				} catch {
					parsed = text;
				}
			}
			const raw = response.headers;
			return {
				kind: "answered",
				status: response.statusCode,
				body: parsed,
				header: (name) => {
					const value = raw[name.toLowerCase()];
					return Array.isArray(value) ? value[0] : value;
				},
				callUs,
				returnUs,
			};
		} catch (error) {
			if (signal?.aborted)
				throw signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
			const reason = timeout.aborted
				? `no answer within ${this.#timeoutMs} ms`
				: error instanceof Error
					? `${error.name}: ${error.message}`
					: String(error);
			return { kind: "lost", reason, callUs };
		}
	}

	/** Close the sockets (waits for requests in flight). */
	async close(): Promise<void> {
		await this.#pool.close();
	}
}

/** Sleep that ends early (resolves) when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolveWait) => {
		if (signal?.aborted) return resolveWait();
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal?.removeEventListener("abort", done);
			resolveWait();
		}
		signal?.addEventListener("abort", done, { once: true });
	});
}
