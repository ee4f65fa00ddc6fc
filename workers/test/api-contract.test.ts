import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../app.ts";
import { storeRegistry } from "../stores/registry.ts";

// Route-level contract from DESIGN.md: error shape, status codes, precedence
// (route 404/405 → auth 401 → body 413/400/422), and "bad input changes nothing".
// Store behaviour itself is covered by stores.common.test.ts.

const BASE = "http://lab";
let counter = 0;
const uniqueKey = (prefix: string) => `${prefix}-${Date.now()}-${counter++}`;

function call(path: string, init?: RequestInit): Promise<Response> {
	return exports.default.fetch(`${BASE}${path}`, init);
}

const json = (body: unknown): RequestInit => ({
	method: "POST",
	headers: { "content-type": "application/json" },
	body: JSON.stringify(body),
});

async function expectError(res: Response, status: number, code: string): Promise<string> {
	expect(res.status).toBe(status);
	expect(res.headers.get("content-type")).toContain("application/json");
	const body = (await res.json()) as { error: { code: string; message: string } };
	expect(body.error.code).toBe(code);
	expect(body.error.message).toMatch(/\w+ \w+/);
	return body.error.message;
}

describe("meta routes", () => {
	it("health is cheap and open", async () => {
		const res = await call("/api/health");
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ ok: true });
	});

	it("lists every store with its traits", async () => {
		const res = await call("/api/stores");
		const { stores } = (await res.json()) as { stores: Array<Record<string, unknown>> };
		expect(stores.map((s) => s.name).sort()).toEqual(["cache", "d1", "do", "kv", "r2"]);
		for (const store of stores) {
			expect(store).toMatchObject({
				consistency: expect.any(String),
				atomicIncrement: { supported: expect.any(Boolean) },
				compareAndSwap: { supported: expect.any(Boolean) },
				ttl: { minSeconds: expect.any(Number), mechanism: expect.any(String) },
				localDevCaveats: expect.any(Array),
			});
		}
	});
});

describe("routing errors", () => {
	it("answers 404 JSON for an unknown store or route", async () => {
		await expectError(await call("/api/mongo/counters/a"), 404, "not_found");
		await expectError(await call("/api/kv/widgets/a"), 404, "not_found");
		await expectError(await call("/nothing-here"), 404, "not_found");
	});

	it("answers 405 JSON with Allow for a known path and a wrong method", async () => {
		const res = await call("/api/kv/counters/a", { method: "POST" });
		expect(res.headers.get("allow")).toBe("GET, PUT, DELETE");
		await expectError(res, 405, "method_not_allowed");
		await expectError(await call("/api/kv/counters/a/increment"), 405, "method_not_allowed");
		await expectError(await call("/api/health", { method: "DELETE" }), 405, "method_not_allowed");
	});
});

describe("bad input answers 4xx and changes nothing", () => {
	it("rejects keys outside the pattern, checked after percent-decoding", async () => {
		for (const key of ["a.b", "x".repeat(129), "a%2Fb", "%C3%A9t%C3%A9", "a%20b"]) {
			await expectError(await call(`/api/kv/counters/${key}`), 400, "invalid_key");
		}
		expect((await call(`/api/kv/counters/${"x".repeat(128)}`)).status).toBe(200);
		await expectError(await call("/api/kv/sessions/not.an.id"), 400, "invalid_id");
	});

	it("rejects malformed JSON, wrong types, unknown fields and unknown modes", async () => {
		const key = uniqueKey("bad");
		await call(`/api/kv/counters/${key}`, { ...json({ value: 7 }), method: "PUT" });
		const put = (body: string) => call(`/api/kv/counters/${key}`, { method: "PUT", body });
		await expectError(await put("{not json"), 400, "invalid_json");
		await expectError(await put('{"value": "7"}'), 400, "invalid_body");
		await expectError(await put('{"value": 1.5}'), 400, "invalid_body");
		await expectError(await put("{}"), 400, "invalid_body");
		await expectError(await put("[7]"), 400, "invalid_body");
		await expectError(await put("null"), 400, "invalid_body");
		await expectError(await put('{"value": 1, "extra": true}'), 400, "invalid_body");
		await expectError(
			await call(`/api/kv/counters/${key}/increment`, json({ by: true })),
			400,
			"invalid_body",
		);
		await expectError(
			await call(`/api/kv/counters/${key}/increment?mode=fast`, json({})),
			400,
			"invalid_mode",
		);
		const read = await call(`/api/kv/counters/${key}`);
		expect(await read.json()).toEqual({ value: 7 });
	});

	it("answers 422 out_of_range for well-formed numbers outside the safe range", async () => {
		const key = uniqueKey("range");
		const put = (body: string) => call(`/api/kv/counters/${key}`, { method: "PUT", body });
		await expectError(await put(`{"value": ${2 ** 60}}`), 422, "out_of_range");
		await expectError(await put('{"value": 1e400}'), 422, "out_of_range");
		await expectError(await put('{"value": -1e300}'), 422, "out_of_range");
		expect(await (await put(`{"value": ${Number.MAX_SAFE_INTEGER}}`)).json()).toEqual({
			value: Number.MAX_SAFE_INTEGER,
		});
		await expectError(await call(`/api/kv/counters/${key}/increment`, json({ by: 1 })), 422, "out_of_range");
		expect(await (await call(`/api/kv/counters/${key}`)).json()).toEqual({ value: Number.MAX_SAFE_INTEGER });
	});

	it("answers 413 for bodies over 64 KiB, declared or streamed, and stores nothing", async () => {
		const key = uniqueKey("big");
		const big = JSON.stringify({ value: 1, pad: "x".repeat(70_000) });
		await expectError(
			await call(`/api/kv/counters/${key}`, { method: "PUT", body: big }),
			413,
			"payload_too_large",
		);
		const stream = new ReadableStream({
			start(controller) {
				controller.enqueue(new TextEncoder().encode(big));
				controller.close();
			},
		});
		await expectError(
			await call(`/api/kv/counters/${key}`, { method: "PUT", body: stream, duplex: "half" } as RequestInit),
			413,
			"payload_too_large",
		);
		const sessions = call("/api/kv/sessions", json({ data: { pad: "y".repeat(70_000) }, ttlSeconds: 120 }));
		await expectError(await sessions, 413, "payload_too_large");
		expect(await (await call(`/api/kv/counters/${key}`)).json()).toEqual({ value: null });
	});

	it("validates session bodies and TTLs", async () => {
		await expectError(await call("/api/kv/sessions", json({ data: [1, 2] })), 400, "invalid_body");
		await expectError(await call("/api/kv/sessions", json({ data: "x" })), 400, "invalid_body");
		await expectError(await call("/api/kv/sessions", json({ ttlSeconds: "60" })), 400, "invalid_body");
		await expectError(await call("/api/kv/sessions", json({ ttlSeconds: 90.5 })), 400, "invalid_body");
		await expectError(await call("/api/kv/sessions", json({ ttlSeconds: 0 })), 422, "out_of_range");
		await expectError(await call("/api/kv/sessions", json({ ttlSeconds: 10 ** 9 })), 422, "out_of_range");
		const message = await expectError(
			await call("/api/kv/sessions", json({ data: {}, ttlSeconds: 30 })),
			422,
			"ttl_out_of_range",
		);
		expect(message).toContain("60");
	});

	it("answers 404 for a session that does not exist, on every method", async () => {
		const missing = "00000000-0000-4000-8000-000000000000";
		await expectError(await call(`/api/kv/sessions/${missing}`), 404, "session_not_found");
		await expectError(
			await call(`/api/kv/sessions/${missing}`, { method: "PATCH", body: "{}" }),
			404,
			"session_not_found",
		);
		expect((await call(`/api/kv/sessions/${missing}`, { method: "DELETE" })).status).toBe(204);
	});

	it("answers 422 unsupported_mode for atomic and cas on stores that cannot do them", async () => {
		for (const store of ["kv", "cache"]) {
			const key = uniqueKey(store);
			await expectError(
				await call(`/api/${store}/counters/${key}/increment?mode=atomic`, json({})),
				422,
				"unsupported_mode",
			);
			await expectError(
				await call(`/api/${store}/counters/${key}/cas`, json({ expected: null, value: 1 })),
				422,
				"unsupported_mode",
			);
			expect(await (await call(`/api/${store}/counters/${key}`)).json()).toEqual({ value: null });
		}
	});
});

describe("bearer auth when BENCH_TOKEN is set", () => {
	const app = createApp({
		stores: storeRegistry,
		benchToken: () => "s3cret-token",
		channels: (e) => e.CHANNEL,
	});
	const request = (path: string, init: RequestInit = {}, token?: string) =>
		app.request(
			path,
			{ ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...init.headers } },
			env,
		);

	it("keeps health and the store list open", async () => {
		expect((await request("/api/health")).status).toBe(200);
		expect((await request("/api/stores")).status).toBe(200);
	});

	it("answers 401 without or with a wrong token, and serves the right one", async () => {
		const key = uniqueKey("auth");
		await expectError(await request(`/api/kv/counters/${key}`), 401, "unauthorized");
		await expectError(await request(`/api/kv/counters/${key}`, {}, "wrong"), 401, "unauthorized");
		await expectError(
			await request(`/api/kv/counters/${key}`, { headers: { authorization: "Basic s3cret-token" } }),
			401,
			"unauthorized",
		);
		const put = await request(
			`/api/kv/counters/${key}`,
			{ method: "PUT", body: '{"value":3}' },
			"s3cret-token",
		);
		expect(await put.json()).toEqual({ value: 3 });
	});

	it("checks route before auth and auth before body", async () => {
		await expectError(await request("/api/mongo/counters/a"), 404, "not_found");
		await expectError(await request("/api/kv/counters/a", { method: "POST" }), 405, "method_not_allowed");
		await expectError(
			await request("/api/kv/counters/a", { method: "PUT", body: "{oops" }),
			401,
			"unauthorized",
		);
		await expectError(
			await request("/api/kv/counters/a", { method: "PUT", body: "x".repeat(70_000) }),
			401,
			"unauthorized",
		);
	});
});
