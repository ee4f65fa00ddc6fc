import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseHistory } from "../consistency/history.ts";
import { checkHistory } from "../consistency/linearizability-checker.ts";
import { contentionFigures } from "./contention-scenario.ts";
import {
	boundHistory,
	nextRegisterRequest,
	type RegisterRequest,
	registerHttpRequest,
	toHistoryOperation,
} from "./register-history.ts";
import { expiryResult } from "./session-expiry-scenario.ts";
import { MonotonicReadsTracker } from "./session-guarantees-scenario.ts";
import { type CallOutcome, StoreConnection } from "./store-connection.ts";
import { buildCdf } from "./visibility-scenario.ts";

// The pure parts of the consistency scenarios: history building (timeouts → unknown outcomes),
// lost-update arithmetic, CDF building, the monotonic-reads tracker and expiry figures. The
// end-to-end behaviour against a real wrangler dev is in test/consistency.e2e.test.ts.

const answered = (status: number, body: unknown, callUs: number, returnUs: number): CallOutcome => ({
	kind: "answered",
	status,
	body,
	header: () => undefined,
	callUs,
	returnUs,
});
const lost = (callUs: number): CallOutcome => ({ kind: "lost", reason: "no answer within 100 ms", callUs });

describe("register history building", () => {
	const write: RegisterRequest = { client: 0, key: "x", f: "write", value: 5 };
	const increment: RegisterRequest = { client: 1, key: "x", f: "increment", by: 1 };
	const read: RegisterRequest = { client: 2, key: "x", f: "read" };
	const cas: RegisterRequest = { client: 3, key: "x", f: "cas", from: 6, to: 9 };

	it("turns 2xx answers into completed operations with times relative to the origin", () => {
		expect(toHistoryOperation(write, answered(200, { value: 5 }, 1100, 1200), 1000)).toEqual({
			client: 0,
			key: "x",
			f: "write",
			value: 5,
			call: 100,
			return: 200,
		});
		expect(toHistoryOperation(read, answered(200, { value: null }, 1000, 1050), 1000)).toMatchObject({
			f: "read",
			value: null,
			return: 50,
		});
		expect(toHistoryOperation(cas, answered(200, { ok: false, value: 7 }, 1000, 1050), 1000)).toMatchObject({
			f: "cas",
			from: 6,
			to: 9,
			ok: false,
		});
		expect(
			toHistoryOperation(increment, answered(200, { value: 8, attempts: 3 }, 1000, 1050), 1000),
		).toMatchObject({ f: "increment", by: 1, value: 8 });
	});

	it("records timeouts, error statuses and unreadable answers as unknown outcomes", () => {
		for (const outcome of [
			lost(1100),
			answered(500, { error: {} }, 1100, 1200),
			answered(409, { error: { code: "cas_exhausted" } }, 1100, 1200),
			answered(200, "<html>", 1100, 1200),
		]) {
			expect(toHistoryOperation(increment, outcome, 1000)).toEqual({
				client: 1,
				key: "x",
				f: "increment",
				by: 1,
				call: 100,
				return: null,
				outcome: "unknown",
			});
		}
		expect(toHistoryOperation(read, lost(1000), 1000)).not.toHaveProperty("value");
		expect(toHistoryOperation(cas, lost(1000), 1000)).not.toHaveProperty("ok");
	});

	it("builds histories the checker reads: a lost increment may have taken effect, a stale read may not", () => {
		const ops = [
			toHistoryOperation(write, answered(200, { value: 5 }, 0, 10), 0),
			toHistoryOperation(increment, lost(20), 0),
			toHistoryOperation(read, answered(200, { value: 6 }, 30, 40), 0),
		];
		const history = parseHistory(JSON.parse(JSON.stringify({ operations: ops })));
		expect(checkHistory(history).verdict).toBe("ok");
		const stale = [
			...ops,
			toHistoryOperation({ ...read, client: 4 }, answered(200, { value: 5 }, 50, 60), 0),
		];
		expect(checkHistory(parseHistory({ operations: stale })).verdict).toBe("illegal");
	});

	it("maps operations onto the documented routes", () => {
		expect(registerHttpRequest("do", cas, "atomic")).toEqual({
			method: "POST",
			path: "/api/do/counters/x/cas",
			body: { expected: 6, value: 9 },
		});
		expect(registerHttpRequest("kv", increment, "naive")).toEqual({
			method: "POST",
			path: "/api/kv/counters/x/increment?mode=naive",
			body: { by: 1 },
		});
		expect(registerHttpRequest("r2", read, "atomic")).toEqual({ method: "GET", path: "/api/r2/counters/x" });
	});

	it("never picks compare-and-swap for a store without it, and uses the last value seen as `from`", () => {
		let seed = 7;
		const random = () => {
			seed = (seed * 48271) % 2147483647;
			return seed / 2147483647;
		};
		const lastSeen = new Map<string, number | null>([["a", 42]]);
		const withoutCas = Array.from({ length: 500 }, () =>
			nextRegisterRequest(random, 0, ["a"], lastSeen, false),
		);
		expect(withoutCas.some((r) => r.f === "cas")).toBe(false);
		expect(new Set(withoutCas.map((r) => r.f))).toEqual(new Set(["read", "write", "increment"]));
		const withCas = Array.from({ length: 500 }, () => nextRegisterRequest(random, 0, ["a"], lastSeen, true));
		const casOps = withCas.filter((r) => r.f === "cas");
		expect(casOps.length).toBeGreaterThan(50);
		expect(casOps.every((r) => r.f === "cas" && r.from === 42)).toBe(true);
	});

	it("keeps at most the requested number of operations, earliest calls first", () => {
		const ops = [30, 10, 20].map((call) => ({
			client: 0,
			key: "x",
			f: "read" as const,
			value: null,
			call,
			return: call + 1,
		}));
		expect(boundHistory(ops, 5)).toEqual({ operations: ops, truncated: false });
		expect(boundHistory(ops, 2)).toEqual({ operations: [ops[1], ops[2]], truncated: true });
	});
});

describe("StoreConnection", () => {
	let server: Server;
	let origin: string;
	beforeAll(async () => {
		server = createServer((req, res) => {
			const reply = () => {
				res.setHeader("content-type", "application/json");
				res.end(JSON.stringify({ value: 3 }));
			};
			if (req.url === "/slow") setTimeout(reply, 600);
			else reply();
		});
		await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
		origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(() => {
		server.closeAllConnections();
		server.close();
	});

	it("answers with call/return times, and a timeout becomes an unknown outcome in the history", async () => {
		const connection = new StoreConnection(origin, { connections: 1, headers: {}, timeoutMs: 150 });
		try {
			const fast = await connection.call("GET", "/fast");
			expect(fast.kind).toBe("answered");
			if (fast.kind === "answered") {
				expect(fast.body).toEqual({ value: 3 });
				expect(fast.returnUs).toBeGreaterThan(fast.callUs);
			}
			const slow = await connection.call("GET", "/slow");
			expect(slow).toMatchObject({ kind: "lost", reason: "no answer within 150 ms" });
			expect(toHistoryOperation({ client: 0, key: "x", f: "read" }, slow, 0)).toMatchObject({
				return: null,
				outcome: "unknown",
			});
		} finally {
			await connection.close();
		}
	});
});

describe("lost-update arithmetic", () => {
	it("lost = C·N − final; retries are the extra attempts of successful increments", () => {
		expect(
			contentionFigures({
				clients: 4,
				incrementsPerClient: 10,
				attempts: 40,
				succeeded: 40,
				errors: 0,
				final: 31,
			}),
		).toEqual({ expected: 40, final: 31, lost: 9, attempts: 40, retries: 0 });
		expect(
			contentionFigures({
				clients: 32,
				incrementsPerClient: 50,
				attempts: 2300,
				succeeded: 1600,
				errors: 0,
				final: 1600,
			}),
		).toEqual({ expected: 1600, final: 1600, lost: 0, attempts: 2300, retries: 700 });
	});

	it("has no lost figure when the final value could not be read back", () => {
		expect(
			contentionFigures({
				clients: 2,
				incrementsPerClient: 5,
				attempts: 10,
				succeeded: 10,
				errors: 0,
				final: null,
			}),
		).toMatchObject({ expected: 10, final: null, lost: null });
	});
});

describe("t-visibility CDF", () => {
	it("counts every sample in the denominator, so never-visible writes keep the curve below 1", () => {
		expect(buildCdf([0, 0, 1, 2], 5)).toEqual([
			{ ms: 0, fraction: 0.4 },
			{ ms: 1, fraction: 0.6 },
			{ ms: 2, fraction: 0.8 },
		]);
		expect(buildCdf([3, 1, 2], 3).at(-1)).toEqual({ ms: 3, fraction: 1 });
		expect(buildCdf([], 4)).toEqual([]);
	});

	it("keeps at most about 50 points, increasing in both time and fraction, ending at the slowest sample", () => {
		const samples = Array.from({ length: 1000 }, (_, i) => i / 10);
		const cdf = buildCdf(samples, 1000);
		expect(cdf.length).toBeLessThanOrEqual(51);
		expect(cdf.length).toBeGreaterThan(40);
		for (let i = 1; i < cdf.length; i++) {
			expect(cdf[i]?.ms).toBeGreaterThan(cdf[i - 1]?.ms as number);
			expect(cdf[i]?.fraction).toBeGreaterThan(cdf[i - 1]?.fraction as number);
		}
		expect(cdf.at(-1)).toEqual({ ms: 99.9, fraction: 1 });
	});
});

describe("monotonic reads", () => {
	it("counts a read older than one already seen on the same key, absent included", () => {
		const tracker = new MonotonicReadsTracker();
		for (const [key, value] of [
			["a", null],
			["a", 1],
			["a", 3],
			["b", 1],
			["a", 2],
			["a", 3],
			["a", null],
		] as const)
			tracker.observe(key, value);
		expect({ checks: tracker.checks, violations: tracker.violations }).toEqual({ checks: 7, violations: 2 });
	});
});

describe("session expiry figures", () => {
	const base = { ttlSeconds: 2, probes: 12, lastAliveMs: 1900, probeIntervalMs: 100, lateWindowMs: 5000 };
	it("error is gone-after minus the TTL: negative early, positive late, null when never seen gone", () => {
		expect(expiryResult("do", { ...base, firstGoneMs: 2040.4 })).toMatchObject({
			store: "do",
			ttlSeconds: 2,
			probes: 12,
			expiredAfterMs: 2040,
			errorMs: 40,
		});
		expect(expiryResult("kv", { ...base, firstGoneMs: 1500 }).errorMs).toBe(-500);
		const never = expiryResult("cache", { ...base, firstGoneMs: null, lastAliveMs: 6900 });
		expect(never).toMatchObject({ expiredAfterMs: null, errorMs: null });
		expect(never.note).toMatch(/still there 5000 ms after its TTL/);
	});
});
