import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { KEY_PATTERN } from "../http/schemas.ts";
import { sessionObjectName } from "../stores/do/do-store.ts";
import type { IncrementMode, StoreName } from "../stores/state-store.ts";
import { ATOMIC_STORES, call, errorOf, STORE_NAMES, uniqueKey } from "./store-client.ts";

// One suite, five stores: every store answers the same HTTP API, so the same
// expectations run against each (the pattern of Hono's common.case.test.ts).
// Where stores differ on purpose — atomic increments and CAS, the shortest TTL —
// the difference itself is asserted.

const MAX = Number.MAX_SAFE_INTEGER;
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

type Session = { id: string; data: Record<string, unknown>; expiresAt: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const store of STORE_NAMES) {
	const atomic = ATOMIC_STORES.includes(store);
	const modes: IncrementMode[] = atomic ? ["naive", "atomic"] : ["naive"];
	const counter = (key: string, suffix = "") => `${store}/counters/${key}${suffix}`;
	const read = async (key: string) => (await call<{ value: number | null }>("GET", counter(key))).body.value;

	describe(`${store}: counters`, () => {
		it("reads null for an absent key, then what was put", async () => {
			const key = uniqueKey("put");
			expect(await call("GET", counter(key))).toMatchObject({ status: 200, body: { value: null } });
			expect(await call("PUT", counter(key), { value: 41 })).toMatchObject({
				status: 200,
				body: { value: 41 },
			});
			expect(await read(key)).toBe(41);
			expect(await call("PUT", counter(key), { value: -7 })).toMatchObject({ body: { value: -7 } });
			expect(await read(key)).toBe(-7);
		});

		it("increments an absent key from 0 by 1 by default", async () => {
			const key = uniqueKey("default");
			const first = await call("POST", counter(key, "/increment"));
			expect(first).toMatchObject({ status: 200, body: { value: 1, attempts: 1 } });
			expect(await call("POST", counter(key, "/increment"), {})).toMatchObject({ body: { value: 2 } });
			expect(await read(key)).toBe(2);
		});

		for (const mode of modes) {
			it(`increments with mode=${mode}, including negative steps`, async () => {
				const key = uniqueKey(mode);
				const inc = (by: number) => call("POST", counter(key, `/increment?mode=${mode}`), { by });
				expect(await inc(5)).toMatchObject({ status: 200, body: { value: 5, attempts: 1 } });
				expect(await inc(-8)).toMatchObject({ status: 200, body: { value: -3 } });
				expect(await inc(1)).toMatchObject({ status: 200, body: { value: -2 } });
				expect(await read(key)).toBe(-2);
			});

			it(`answers 422 out_of_range past ±MAX_SAFE_INTEGER with mode=${mode}, changing nothing`, async () => {
				const key = uniqueKey("range");
				await call("PUT", counter(key), { value: MAX });
				const over = await call("POST", counter(key, `/increment?mode=${mode}`), { by: 1 });
				expect(over.status).toBe(422);
				expect(errorOf(over).code).toBe("out_of_range");
				expect(await read(key)).toBe(MAX);

				await call("PUT", counter(key), { value: -MAX });
				const under = await call("POST", counter(key, `/increment?mode=${mode}`), { by: -1 });
				expect(under.status).toBe(422);
				expect(errorOf(under).code).toBe("out_of_range");
				expect(await read(key)).toBe(-MAX);

				// The edge itself is in range.
				await call("PUT", counter(key), { value: MAX - 1 });
				expect(await call("POST", counter(key, `/increment?mode=${mode}`), { by: 1 })).toMatchObject({
					status: 200,
					body: { value: MAX },
				});
			});
		}

		it("deletes with 204, after which the key reads null (deleting again is fine)", async () => {
			const key = uniqueKey("del");
			await call("PUT", counter(key), { value: 3 });
			const deleted = await call("DELETE", counter(key));
			expect(deleted.status).toBe(204);
			expect(deleted.body).toBeNull();
			expect(await read(key)).toBeNull();
			expect((await call("DELETE", counter(key))).status).toBe(204);
		});

		it("adds Server-Timing: store;dur= to store operations", async () => {
			const key = uniqueKey("timing");
			const answers = [
				await call("PUT", counter(key), { value: 1 }),
				await call("GET", counter(key)),
				await call("POST", counter(key, "/increment?mode=naive")),
				await call("DELETE", counter(key)),
				await call("POST", `${store}/sessions`, { data: {}, ttlSeconds: 3600 }),
			];
			for (const answer of answers) {
				expect(answer.headers.get("server-timing")).toMatch(/^store;dur=\d+(\.\d+)?$/);
			}
		});

		if (atomic) {
			it("compare-and-swap applies only when the expected value is current (null = absent)", async () => {
				const key = uniqueKey("cas");
				const cas = (expected: number | null, value: number) =>
					call("POST", counter(key, "/cas"), { expected, value });
				expect(await cas(null, 7)).toMatchObject({ status: 200, body: { ok: true, value: 7 } });
				expect(await cas(null, 9)).toMatchObject({ status: 200, body: { ok: false, value: 7 } });
				expect(await cas(7, 8)).toMatchObject({ status: 200, body: { ok: true, value: 8 } });
				expect(await cas(7, 100)).toMatchObject({ status: 200, body: { ok: false, value: 8 } });
				expect(await read(key)).toBe(8);

				const absent = uniqueKey("cas-absent");
				expect(await call("POST", counter(absent, "/cas"), { expected: 1, value: 2 })).toMatchObject({
					status: 200,
					body: { ok: false, value: null },
				});
				expect(await read(absent)).toBeNull();
			});
		} else {
			it("answers 422 unsupported_mode for mode=atomic and for cas, changing nothing", async () => {
				const key = uniqueKey("unsupported");
				const inc = await call("POST", counter(key, "/increment?mode=atomic"), { by: 1 });
				expect(inc.status).toBe(422);
				expect(errorOf(inc).code).toBe("unsupported_mode");
				const cas = await call("POST", counter(key, "/cas"), { expected: null, value: 1 });
				expect(cas.status).toBe(422);
				expect(errorOf(cas).code).toBe("unsupported_mode");
				expect(await read(key)).toBeNull();
			});
		}
	});

	describe(`${store}: sessions`, () => {
		const sessions = (id = "") => `${store}/sessions${id ? `/${id}` : ""}`;
		const createSession = (data: Record<string, unknown>, ttlSeconds: number) =>
			call<Session>("POST", sessions(), { data, ttlSeconds });

		it("creates, reads, patches and deletes a session", async () => {
			const before = Date.now();
			const created = await createSession({ user: "ada", roles: ["admin"] }, 3600);
			expect(created.status).toBe(201);
			const { id, expiresAt } = created.body;
			expect(id).toMatch(KEY_PATTERN);
			expect(expiresAt).toBeGreaterThanOrEqual(before + 3600_000);
			expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000);

			expect(await call("GET", sessions(id))).toMatchObject({
				status: 200,
				body: { id, data: { user: "ada", roles: ["admin"] }, expiresAt },
			});

			// PATCH replaces data (no merge) and, without ttlSeconds, keeps the expiry.
			const replaced = await call<Session>("PATCH", sessions(id), { data: { user: "grace" } });
			expect(replaced).toMatchObject({ status: 200, body: { id, data: { user: "grace" }, expiresAt } });
			expect((await call<Session>("GET", sessions(id))).body.data).toEqual({ user: "grace" });

			// A given ttlSeconds restarts expiry from now and keeps the data.
			const restartedAt = Date.now();
			const extended = await call<Session>("PATCH", sessions(id), { ttlSeconds: 7200 });
			expect(extended.status).toBe(200);
			expect(extended.body.data).toEqual({ user: "grace" });
			expect(extended.body.expiresAt).toBeGreaterThanOrEqual(restartedAt + 7200_000);
			expect(extended.body.expiresAt).toBeLessThanOrEqual(Date.now() + 7200_000);
			expect((await call<Session>("GET", sessions(id))).body.expiresAt).toBe(extended.body.expiresAt);

			const deleted = await call("DELETE", sessions(id));
			expect(deleted.status).toBe(204);
			const gone = await call("GET", sessions(id));
			expect(gone.status).toBe(404);
			expect(errorOf(gone).code).toBe("session_not_found");
			expect((await call("PATCH", sessions(id), { data: {} })).status).toBe(404);
			expect((await call("DELETE", sessions(id))).status).toBe(204);
		});

		it("answers 404 for a session that never existed", async () => {
			const missing = await call("GET", sessions(uniqueKey("nobody")));
			expect(missing.status).toBe(404);
			expect(errorOf(missing).code).toBe("session_not_found");
		});

		if (store === "kv") {
			it("refuses ttlSeconds below 60 with 422 ttl_out_of_range, creating and changing nothing", async () => {
				const before = await env.KV.list({ prefix: "session:" });
				const refused = await createSession({ user: "ada" }, 59);
				expect(refused.status).toBe(422);
				expect(errorOf(refused).code).toBe("ttl_out_of_range");
				expect(errorOf(refused).message).toContain("60");
				const after = await env.KV.list({ prefix: "session:" });
				expect(after.keys.map((k) => k.name)).toEqual(before.keys.map((k) => k.name));

				const { id, expiresAt } = (await createSession({ user: "ada" }, 60)).body;
				const patched = await call("PATCH", sessions(id), { data: { user: "eve" }, ttlSeconds: 5 });
				expect(patched.status).toBe(422);
				expect(errorOf(patched).code).toBe("ttl_out_of_range");
				expect((await call("GET", sessions(id))).body).toEqual({ id, data: { user: "ada" }, expiresAt });
			});
		} else {
			it("expires a 1-second session: read and patch answer 404 afterwards", async () => {
				const { id, expiresAt } = (await createSession({ user: "ada" }, 1)).body;
				expect((await call("GET", sessions(id))).status).toBe(200);
				await sleep(expiresAt - Date.now() + 50);
				const expired = await call("GET", sessions(id));
				expect(expired.status).toBe(404);
				expect(errorOf(expired).code).toBe("session_not_found");
				expect((await call("PATCH", sessions(id), { ttlSeconds: 3600 })).status).toBe(404);
			});
		}

		if (store === "do") {
			const stub = (id: string) => env.COUNTER.get(env.COUNTER.idFromName(sessionObjectName(id)));
			const storedRows = (id: string) =>
				runInDurableObject(
					stub(id),
					(_, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM session").one().n,
				);

			it("schedules an alarm at expiresAt that deletes the expired session without any read", async () => {
				const { id, expiresAt } = (await createSession({ user: "ada" }, 1)).body;
				expect(await runInDurableObject(stub(id), (_, state) => state.storage.getAlarm())).toBe(expiresAt);
				await sleep(expiresAt - Date.now() + 50);
				// The alarm may already have fired on its own; if not, run it now.
				await runDurableObjectAlarm(stub(id));
				expect(await storedRows(id)).toBe(0);
				expect(await runInDurableObject(stub(id), (_, state) => state.storage.getAlarm())).toBeNull();
			});

			it("an alarm that fires before expiresAt keeps the session and re-arms", async () => {
				const { id, expiresAt } = (await createSession({ user: "ada" }, 3600)).body;
				expect(await runDurableObjectAlarm(stub(id))).toBe(true);
				expect(await storedRows(id)).toBe(1);
				expect(await runInDurableObject(stub(id), (_, state) => state.storage.getAlarm())).toBe(expiresAt);
				expect((await call("GET", sessions(id))).status).toBe(200);
			});

			it("deleting a session cancels its alarm", async () => {
				const { id } = (await createSession({}, 3600)).body;
				await call("DELETE", sessions(id));
				expect(await runInDurableObject(stub(id), (_, state) => state.storage.getAlarm())).toBeNull();
			});
		}
	});

	if (store === "d1") {
		describe("d1: Sessions API bookmarks", () => {
			it("returns x-d1-bookmark on every answer and accepts it back", async () => {
				const key = uniqueKey("bookmark");
				const put = await call("PUT", counter(key), { value: 10 });
				const afterWrite = put.headers.get("x-d1-bookmark");
				expect(afterWrite).toMatch(BOOKMARK);

				const readBack = await call("GET", counter(key), undefined, { "x-d1-bookmark": afterWrite ?? "" });
				expect(readBack).toMatchObject({ status: 200, body: { value: 10 } });
				const afterRead = readBack.headers.get("x-d1-bookmark");
				expect(afterRead).toMatch(BOOKMARK);
				// Bookmarks are ordered: the read's is at least as new as the write's.
				expect((afterRead ?? "") >= (afterWrite ?? "")).toBe(true);

				for (const answer of [
					await call("POST", counter(key, "/increment"), { by: 1 }),
					await call("POST", counter(key, "/cas"), { expected: 11, value: 12 }),
					await call("POST", "d1/sessions", { data: {}, ttlSeconds: 60 }),
					await call("DELETE", counter(key)),
				]) {
					expect(answer.status).toBeLessThan(300);
					expect(answer.headers.get("x-d1-bookmark")).toMatch(BOOKMARK);
				}
			});

			it("answers 400 for a header that is not a bookmark, and changes nothing", async () => {
				const key = uniqueKey("bad-bookmark");
				const answer = await call("PUT", counter(key), { value: 5 }, { "x-d1-bookmark": "not-a-bookmark" });
				expect(answer).toMatchObject({ status: 400, body: { error: { code: "invalid_bookmark" } } });
				expect(await call("GET", counter(key))).toMatchObject({ status: 200, body: { value: null } });
			});
		});
	}
}

describe("GET /api/stores", () => {
	it("describes all five stores, matching what each one supports", async () => {
		const { body } = await call<{ stores: Array<{ name: StoreName } & Record<string, unknown>> }>(
			"GET",
			"stores",
		);
		expect(body.stores.map((s) => s.name)).toEqual(STORE_NAMES);
		for (const traits of body.stores) {
			const atomic = ATOMIC_STORES.includes(traits.name);
			expect(traits).toMatchObject({
				atomicIncrement: { supported: atomic },
				compareAndSwap: { supported: atomic },
				ttl: { minSeconds: traits.name === "kv" ? 60 : 1 },
			});
			expect((traits.localDevCaveats as string[]).length).toBeGreaterThan(0);
		}
		const cache = body.stores.find((s) => s.name === "cache") as unknown as Record<string, unknown>;
		expect(JSON.stringify(cache)).toContain("workers.dev");
		expect(cache.consistency).toMatch(/per data center.*never replicated/);
	});
});
