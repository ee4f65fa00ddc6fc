import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LatencyHistogram } from "./latency-histogram.ts";
import { classifyError, coloOf, parseServerTiming, runLoad } from "./load-engine.ts";

// The load engine against a real node:http server whose behaviour we control:
// a known delay, chosen status codes, a request that never answers, an injected stall.

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];

async function serve(handler: Handler): Promise<{ origin: string; count: () => number }> {
	let count = 0;
	const server = createServer((req, res) => {
		count++;
		handler(req, res);
	});
	servers.push(server);
	await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
	return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, count: () => count };
}

afterEach(async () => {
	for (const server of servers.splice(0)) {
		server.closeAllConnections();
		await new Promise((r) => server.close(r));
	}
});

const delayed =
	(ms: number, headers: Record<string, string> = {}): Handler =>
	(_req, res) =>
		setTimeout(
			() => res.writeHead(200, { "content-type": "application/json", ...headers }).end('{"ok":true}'),
			ms,
		);

describe("closed model", () => {
	it("measures a known server delay: no latency below it, the median close to it", async () => {
		const { origin } = await serve(
			delayed(40, { "server-timing": "store;dur=12.5", "cf-ray": "8f1c2a3b4c5d6e7f-NRT" }),
		);
		const result = await runLoad({
			origin,
			request: { method: "GET", path: "/" },
			connections: 4,
			warmupMs: 200,
			durationMs: 1500,
			serverTimingMetric: "store",
		});
		const p = result.latency.percentiles;
		expect(result.model).toBe("closed");
		expect(result.errors).toBe(0);
		expect(result.requests).toBeGreaterThan(40);
		// (Node timers may fire up to ~1 ms early against a fresh clock reading, hence 39 ms.)
		expect(p.min).toBeGreaterThanOrEqual(39_000);
		expect(p.p50).toBeGreaterThanOrEqual(40_000);
		expect(p.p50).toBeLessThan(70_000);
		// Four connections, each at most one request per 40 ms.
		expect(result.rps).toBeLessThanOrEqual(4 * 25 + 1);
		expect(result.rps).toBeGreaterThan(40);
		// Server-Timing is recorded on its own: exactly 12.5 ms every time (HDR keeps 3 significant digits).
		expect(result.serverTiming?.percentiles.p50).toBeGreaterThanOrEqual(12_490);
		expect(result.serverTiming?.percentiles.p50).toBeLessThanOrEqual(12_510);
		expect(result.colo).toBe("NRT");
		expect(result.timeline.length).toBeGreaterThanOrEqual(1);
		expect(result.timeline.reduce((sum, t) => sum + t.requests, 0)).toBe(result.requests);
		// The encoded histogram holds the same data.
		expect(LatencyHistogram.decode(result.latency.encoded).percentiles().p50).toBe(p.p50);
	});

	it("leaves warm-up requests out of the statistics", async () => {
		const server = await serve(delayed(10));
		const result = await runLoad({
			origin: server.origin,
			request: { method: "GET", path: "/" },
			connections: 2,
			warmupMs: 500,
			durationMs: 500,
		});
		// Roughly half the requests the server saw happened during warm-up.
		expect(result.requests).toBeLessThan(server.count() * 0.75);
		expect(result.durationS).toBeCloseTo(0.5, 1);
	});

	it("counts errors by kind: 4xx, 429 and 5xx separately, and keeps samples", async () => {
		const { origin } = await serve((req, res) => {
			const status = Number(req.url?.slice(1));
			res.writeHead(status, { "content-type": "application/json" }).end(`{"status":${status}}`);
		});
		const statuses = [200, 404, 429, 503, 200];
		const result = await runLoad({
			origin,
			request: (seq) => ({ method: "GET", path: `/${statuses[seq % statuses.length]}` }),
			connections: 1,
			durationMs: 500,
		});
		expect(result.errors).toBe(
			result.errorsByKind.http_4xx + result.errorsByKind.http_429 + result.errorsByKind.http_5xx,
		);
		expect(result.ok + result.errors).toBe(result.requests);
		// One connection sends the statuses in order, so each kind is a fifth of the requests (±1).
		for (const kind of ["http_4xx", "http_429", "http_5xx"] as const) {
			expect(Math.abs(result.errorsByKind[kind] - result.requests / 5)).toBeLessThanOrEqual(1);
		}
		expect(result.errorSamples).toContain('HTTP 503: {"status":503}');
	});

	it("times out a request that never answers and counts it as a timeout", async () => {
		const { origin } = await serve(() => {});
		const result = await runLoad({
			origin,
			request: { method: "GET", path: "/" },
			connections: 2,
			durationMs: 300,
			timeoutMs: 200,
		});
		expect(result.ok).toBe(0);
		expect(result.errorsByKind.timeout).toBeGreaterThanOrEqual(2);
	});

	it("counts refused connections as connection errors", async () => {
		const { origin } = await serve(delayed(0));
		await new Promise((r) => servers.pop()?.close(r));
		const result = await runLoad({
			origin,
			request: { method: "GET", path: "/" },
			connections: 2,
			durationMs: 300,
		});
		expect(result.ok).toBe(0);
		expect(result.errorsByKind.connection).toBe(result.requests);
		expect(result.requests).toBeGreaterThan(0);
	});

	it("stops promptly when aborted and says why", async () => {
		const { origin } = await serve(delayed(5));
		const controller = new AbortController();
		setTimeout(() => controller.abort("target died"), 300);
		const started = performance.now();
		const result = await runLoad({
			origin,
			request: { method: "GET", path: "/" },
			connections: 2,
			durationMs: 10_000,
			signal: controller.signal,
		});
		expect(performance.now() - started).toBeLessThan(2000);
		expect(result.aborted).toBe("target died");
		expect(result.durationS).toBeLessThan(1);
	});
});

describe("open model", () => {
	// The server answers in 5 ms, except that everything arriving between 400 ms and 900 ms after the
	// first request is held until 900 ms: a 500 ms stall.
	async function stallingServer() {
		let first = 0;
		return serve((_req, res) => {
			const now = performance.now();
			if (first === 0) first = now;
			const t = now - first;
			const hold = t >= 400 && t < 900 ? 900 - t : 0;
			setTimeout(() => res.end("ok"), 5 + hold);
		});
	}

	it("sends at the asked rate and measures from the intended start", async () => {
		const { origin } = await serve(delayed(5));
		const result = await runLoad({
			origin,
			request: { method: "GET", path: "/" },
			connections: 4,
			ratePerSecond: 100,
			durationMs: 1000,
		});
		expect(result.model).toBe("open");
		expect(result.schedule?.intended).toBe(100);
		expect(result.requests).toBe(100);
		expect(result.schedule?.dropped).toBe(0);
		const corrected = result.latency.percentiles;
		const uncorrected = result.uncorrectedLatency?.percentiles;
		expect(uncorrected?.min).toBeGreaterThanOrEqual(4000);
		// Measured from the intended start, a request can only look slower, never faster.
		expect(corrected.p50).toBeGreaterThanOrEqual(uncorrected?.p50 ?? Number.POSITIVE_INFINITY);
		expect(corrected.p50).toBeLessThan(30_000);
	});

	it("shows a stall that the closed model and the uncorrected figure hide (coordinated omission)", async () => {
		const open = await stallingServer();
		const corrected = await runLoad({
			origin: open.origin,
			request: { method: "GET", path: "/" },
			connections: 1,
			ratePerSecond: 100,
			durationMs: 1500,
		});
		const closedServer = await stallingServer();
		const closed = await runLoad({
			origin: closedServer.origin,
			request: { method: "GET", path: "/" },
			connections: 1,
			durationMs: 1500,
		});
		const openP = corrected.latency.percentiles;
		const uncorrectedP = corrected.uncorrectedLatency?.percentiles;
		// About a third of the intended starts fell into the stall and waited up to 500 ms.
		expect(openP.p90).toBeGreaterThan(150_000);
		expect(openP.max).toBeGreaterThan(400_000);
		expect(corrected.schedule?.late).toBeGreaterThan(20);
		// Measured from the actual send, only the one request caught in the stall looks slow.
		expect(uncorrectedP?.p90).toBeLessThan(50_000);
		// The closed model waited politely: one slow request among many fast ones.
		expect(closed.latency.percentiles.p90).toBeLessThan(50_000);
		expect(closed.latency.percentiles.max).toBeGreaterThan(400_000);
	});
});

describe("helpers", () => {
	it("parses one metric out of Server-Timing", () => {
		expect(parseServerTiming("store;dur=3.25", "store")).toBe(3.25);
		expect(parseServerTiming('db;dur=1, store;desc="x";dur=7', "store")).toBe(7);
		expect(parseServerTiming(["cache;dur=1", "store;dur=2"], "store")).toBe(2);
		expect(parseServerTiming("db;dur=1", "store")).toBeNull();
		expect(parseServerTiming(undefined, "store")).toBeNull();
	});

	it("classifies failures", () => {
		expect(classifyError(429)).toBe("http_429");
		expect(classifyError(404)).toBe("http_4xx");
		expect(classifyError(502)).toBe("http_5xx");
		expect(classifyError(null, Object.assign(new Error("x"), { code: "UND_ERR_HEADERS_TIMEOUT" }))).toBe(
			"timeout",
		);
		expect(classifyError(null, Object.assign(new Error("x"), { code: "ECONNREFUSED" }))).toBe("connection");
		expect(classifyError(null, new Error("x"))).toBe("other");
	});

	it("reads the colo from cf-ray", () => {
		expect(coloOf("8f1c2a3b4c5d6e7f-NRT")).toBe("NRT");
		expect(coloOf("garbage")).toBeNull();
		expect(coloOf(null)).toBeNull();
	});
});
