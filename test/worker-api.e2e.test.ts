import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../bench/target/wrangler-dev.ts";

// The Worker as a user meets it: a real `wrangler dev` (offline, free port,
// throw-away state) driven over HTTP. This catches what the in-workerd tests
// cannot: wrangler.toml mistakes, missing exports, migrations, static assets.

const STORES = ["cache", "kv", "do", "d1", "r2"] as const;
const ATOMIC = new Set(["do", "d1", "r2"]);

let dev: WranglerDev;
beforeAll(async () => {
	dev = await startWranglerDev();
});
afterAll(async () => {
	await dev?.stop();
});

async function api(
	path: string,
	init: RequestInit = {},
): Promise<{ status: number; body: unknown; res: Response }> {
	const res = await fetch(`${dev.url}${path}`, init);
	const text = await res.text();
	return { status: res.status, body: text ? JSON.parse(text) : null, res };
}

describe.each(STORES)("%s over wrangler dev", (store) => {
	it("counts, overwrites and deletes a counter", async () => {
		const key = `e2e-${store}`;
		expect((await api(`/api/${store}/counters/${key}`)).body).toEqual({ value: null });
		const inc = await api(`/api/${store}/counters/${key}/increment?mode=naive`, {
			method: "POST",
			body: JSON.stringify({ by: 5 }),
		});
		expect(inc.status).toBe(200);
		expect(inc.body).toEqual({ value: 5, attempts: 1 });
		expect(inc.res.headers.get("server-timing")).toMatch(/^store;dur=\d+(\.\d+)?$/);
		if (ATOMIC.has(store)) {
			const atomic = await api(`/api/${store}/counters/${key}/increment`, { method: "POST" });
			expect(atomic.body).toMatchObject({ value: 6 });
			const cas = await api(`/api/${store}/counters/${key}/cas`, {
				method: "POST",
				body: JSON.stringify({ expected: 6, value: 10 }),
			});
			expect(cas.body).toEqual({ ok: true, value: 10 });
		}
		const put = await api(`/api/${store}/counters/${key}`, {
			method: "PUT",
			body: JSON.stringify({ value: 42 }),
		});
		expect(put.body).toEqual({ value: 42 });
		expect((await api(`/api/${store}/counters/${key}`)).body).toEqual({ value: 42 });
		expect((await api(`/api/${store}/counters/${key}`, { method: "DELETE" })).status).toBe(204);
		expect((await api(`/api/${store}/counters/${key}`)).body).toEqual({ value: null });
	});

	it("creates, patches and deletes a session", async () => {
		const before = Date.now();
		const created = await api(`/api/${store}/sessions`, {
			method: "POST",
			body: JSON.stringify({ data: { user: "ada" }, ttlSeconds: 120 }),
		});
		expect(created.status).toBe(201);
		const { id, expiresAt } = created.body as { id: string; expiresAt: number };
		expect(id).toMatch(/^[A-Za-z0-9_-]{1,128}$/);
		expect(expiresAt).toBeGreaterThanOrEqual(before + 119_000);
		const patched = await api(`/api/${store}/sessions/${id}`, {
			method: "PATCH",
			body: JSON.stringify({ data: { user: "grace" } }),
		});
		expect(patched.body).toEqual({ id, data: { user: "grace" }, expiresAt });
		expect((await api(`/api/${store}/sessions/${id}`)).body).toEqual({
			id,
			data: { user: "grace" },
			expiresAt,
		});
		expect((await api(`/api/${store}/sessions/${id}`, { method: "DELETE" })).status).toBe(204);
		expect((await api(`/api/${store}/sessions/${id}`)).status).toBe(404);
	});
});

describe("the Worker as a whole", () => {
	it("answers health, the store list, and JSON errors", async () => {
		expect((await api("/api/health")).body).toEqual({ ok: true });
		const { body } = await api("/api/stores");
		expect((body as { stores: Array<{ name: string }> }).stores.map((s) => s.name).sort()).toEqual(
			[...STORES].sort(),
		);
		const wrong = await api("/api/do/counters/a", { method: "PATCH" });
		expect(wrong.status).toBe(405);
		expect(wrong.body).toMatchObject({ error: { code: "method_not_allowed" } });
		const big = await api("/api/d1/counters/a", { method: "PUT", body: "x".repeat(70_000) });
		expect(big.status).toBe(413);
	});

	it("returns a D1 bookmark and accepts it back", async () => {
		const write = await api("/api/d1/counters/bookmarked", { method: "PUT", body: '{"value":1}' });
		const bookmark = write.res.headers.get("x-d1-bookmark");
		expect(bookmark).toBeTruthy();
		const read = await api("/api/d1/counters/bookmarked", { headers: { "x-d1-bookmark": bookmark ?? "" } });
		expect(read.body).toEqual({ value: 1 });
		expect(read.res.headers.get("x-d1-bookmark")).toBeTruthy();
	});

	it("loses no atomic increments under 50 concurrent clients on do, d1 and r2", async () => {
		for (const store of ATOMIC) {
			const key = `burst-${store}`;
			await Promise.all(
				Array.from({ length: 50 }, () =>
					fetch(`${dev.url}/api/${store}/counters/${key}/increment`, { method: "POST" }),
				),
			);
			expect((await api(`/api/${store}/counters/${key}`)).body).toEqual({ value: 50 });
		}
	});
});
