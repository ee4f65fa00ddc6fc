import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../app.ts";
import { storeRegistry } from "../stores/registry.ts";

// POST /api/probes/visibility inside workerd: real VisibilityProbe Durable
// Objects polling real (local) stores. Requests go to http://localhost, as
// they do under wrangler dev, so the route knows it runs locally: one
// location, colo "local", no trace look-up.

const BASE = "http://localhost";
const STORES = ["cache", "kv", "do", "d1", "r2"] as const;
let counter = 0;
const uniqueKey = (prefix: string) => `${prefix}-${Date.now()}-${counter++}`;

interface ProbeAnswer {
	store: string;
	key: string;
	value: number;
	local: boolean;
	note?: string;
	locations: Array<{
		region: string;
		colo: string | null;
		ms: number | null;
		polls: number;
		lastSeen: number | null;
	}>;
}

const post = (body: unknown): RequestInit => ({
	method: "POST",
	headers: { "content-type": "application/json" },
	body: typeof body === "string" ? body : JSON.stringify(body),
});

function probe(body: unknown): Promise<Response> {
	return exports.default.fetch(`${BASE}/api/probes/visibility`, post(body));
}

async function putCounter(store: string, key: string, value: number): Promise<void> {
	const res = await exports.default.fetch(`${BASE}/api/${store}/counters/${key}`, {
		method: "PUT",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ value }),
	});
	expect(res.status).toBe(200);
}

async function expectError(res: Response, status: number, code: string): Promise<void> {
	expect(res.status).toBe(status);
	const body = (await res.json()) as { error: { code: string; message: string } };
	expect(body.error.code).toBe(code);
	expect(body.error.message).toMatch(/\w+ \w+/);
}

describe("POST /api/probes/visibility", () => {
	it.each(STORES)(
		"%s: every region sees a value that is already written, and says it is local",
		async (store) => {
			const key = uniqueKey(`probe-${store}`);
			await putCounter(store, key, 7);
			const res = await probe({ store, key, value: 7, regions: ["weur", "apac", "enam"], timeoutMs: 2000 });
			expect(res.status).toBe(200);
			const answer = (await res.json()) as ProbeAnswer;
			expect(answer).toMatchObject({ store, key, value: 7, local: true });
			expect(answer.note).toMatch(/one location/);
			expect(answer.locations.map((l) => l.region)).toEqual(["weur", "apac", "enam"]);
			for (const location of answer.locations) {
				expect(location.colo).toBe("local");
				expect(location.ms).toBeGreaterThanOrEqual(0);
				expect(location.ms).toBeLessThan(2000);
				expect(location.polls).toBeGreaterThanOrEqual(1);
				expect(location.lastSeen).toBe(7);
			}
		},
	);

	it("waits for a value written while the probes poll, and times out on one never written", async () => {
		const key = uniqueKey("probe-wait");
		const pending = probe({ store: "do", key, value: 42, regions: ["weur", "oc"], timeoutMs: 5000 });
		await scheduler.wait(300);
		await putCounter("do", key, 42);
		const answer = (await (await pending).json()) as ProbeAnswer;
		for (const location of answer.locations) {
			expect(location.lastSeen).toBe(42);
			expect(location.ms).toBeGreaterThanOrEqual(250);
			expect(location.ms).toBeLessThan(5000);
			expect(location.polls).toBeGreaterThan(1);
		}

		const never = (await (
			await probe({ store: "do", key, value: 43, regions: ["wnam"], timeoutMs: 200 })
		).json()) as ProbeAnswer;
		expect(never.locations).toEqual([
			expect.objectContaining({ region: "wnam", colo: "local", ms: null, lastSeen: 42 }),
		]);
	});

	it("answers the documented errors for bad input", async () => {
		const valid = { store: "kv", key: "k", value: 1, regions: ["weur"], timeoutMs: 100 };
		await expectError(await probe({ ...valid, store: "mongo" }), 404, "store_not_found");
		await expectError(await probe({ ...valid, key: "no spaces" }), 400, "invalid_body");
		await expectError(await probe({ ...valid, value: "1" }), 400, "invalid_body");
		await expectError(await probe({ ...valid, regions: [] }), 400, "invalid_body");
		await expectError(await probe({ ...valid, regions: "weur" }), 400, "invalid_body");
		await expectError(await probe({ ...valid, extra: true }), 400, "invalid_body");
		await expectError(await probe("{not json"), 400, "invalid_json");
		await expectError(await probe({ ...valid, regions: ["weur", "mars"] }), 422, "unsupported_region");
		await expectError(await probe({ ...valid, timeoutMs: 0 }), 422, "out_of_range");
		await expectError(await probe({ ...valid, timeoutMs: 60_000 }), 422, "out_of_range");
		await expectError(await probe({ ...valid, timeoutMs: 1.5 }), 400, "invalid_body");
		const get = await exports.default.fetch(`${BASE}/api/probes/visibility`);
		await expectError(get, 405, "method_not_allowed");
		expect(get.headers.get("allow")).toBe("POST");
	});

	it("needs the bearer token when the Worker has one", async () => {
		const app = createApp({
			stores: storeRegistry,
			benchToken: () => "probe-token",
			channels: (e) => e.CHANNEL,
			probes: (e) => e.PROBE,
		});
		const body = { store: "kv", key: uniqueKey("probe-auth"), value: 1, regions: ["weur"], timeoutMs: 100 };
		const anonymous = await app.request(`${BASE}/api/probes/visibility`, post(body), env);
		await expectError(anonymous, 401, "unauthorized");
		const authorized = await app.request(
			`${BASE}/api/probes/visibility`,
			{ ...post(body), headers: { "content-type": "application/json", authorization: "Bearer probe-token" } },
			env,
		);
		expect(authorized.status).toBe(200);
		expect(((await authorized.json()) as ProbeAnswer).locations[0]?.ms).toBeNull();
	});
});
