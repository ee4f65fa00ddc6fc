import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../bench/target/wrangler-dev.ts";
import { type BenchResults, parseResults } from "../report/results-schema.ts";

// The bench's production safeguards, exercised against a local `wrangler dev` posing as a deployment:
// a small reverse proxy listens on this machine's non-loopback address (so the bench classifies the
// target as production, exactly as it would a workers.dev URL), stamps every answer with a Tokyo
// `cf-ray`, answers some KV increments 429 like the platform's per-key rate limit, and records every
// request it sees.

const ROOT = resolve(import.meta.dirname, "..");
const TOKEN = `safeguards-${randomBytes(8).toString("hex")}`;
const CF_RAY = "8e5a1c2b3d4f6071-NRT";
/** Every Nth KV increment is answered 429 by the proxy (never reaching the Worker). */
const LIMIT_EVERY = 3;
const SCENARIOS = "counter-read,increment-naive";

interface Seen {
	method: string;
	path: string;
	authorization: string | undefined;
	at: number;
	status: number;
}

/** This machine's first non-internal IPv4 address: not localhost, so the bench treats it as remote. */
function externalAddress(): string {
	for (const addresses of Object.values(networkInterfaces())) {
		for (const address of addresses ?? [])
			if (address.family === "IPv4" && !address.internal) return address.address;
	}
	throw new Error("this machine has no non-loopback IPv4 address to pose as a remote target");
}

function startProxy(upstream: URL): Promise<{ server: Server; seen: Seen[]; port: number }> {
	const seen: Seen[] = [];
	let kvIncrements = 0;
	const server = createServer((req, res) => {
		const path = req.url ?? "/";
		const entry: Seen = {
			method: req.method ?? "GET",
			path,
			authorization: req.headers.authorization,
			at: performance.now(),
			status: 0,
		};
		seen.push(entry);
		if (req.method === "POST" && /^\/api\/kv\/counters\/[^/]+\/increment/.test(path)) {
			kvIncrements++;
			if (kvIncrements % LIMIT_EVERY === 0) {
				req.resume();
				entry.status = 429;
				res.writeHead(429, { "content-type": "application/json", "cf-ray": CF_RAY, "retry-after": "1" });
				res.end(JSON.stringify({ error: { code: "rate_limited", message: "1 write per second per key" } }));
				return;
			}
		}
		const forward = httpRequest(
			{
				host: upstream.hostname,
				port: upstream.port,
				method: req.method,
				path,
				headers: { ...req.headers, host: upstream.host },
			},
			(answer: IncomingMessage) => {
				entry.status = answer.statusCode ?? 0;
				res.writeHead(answer.statusCode ?? 502, { ...answer.headers, "cf-ray": CF_RAY });
				answer.pipe(res);
			},
		);
		forward.on("error", (error) => {
			entry.status = 502;
			res.writeHead(502, { "content-type": "application/json" });
			res.end(JSON.stringify({ error: { code: "bad_gateway", message: error.message } }));
		});
		req.pipe(forward);
	});
	return new Promise((done) =>
		server.listen(0, "0.0.0.0", () => done({ server, seen, port: (server.address() as AddressInfo).port })),
	);
}

/** `npm run bench -- …args` as a user runs it (tsx directly, without npm's start-up), with no BENCH_TOKEN in the environment. */
function bench(args: string[]): Promise<{ code: number | null; output: string }> {
	const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench/cli/bench.ts"), ...args], {
		cwd: ROOT,
		env: { ...process.env, BENCH_TOKEN: "" },
		stdio: ["ignore", "pipe", "pipe"],
	});
	let output = "";
	child.stdout.on("data", (chunk: Buffer) => {
		output += chunk.toString();
	});
	child.stderr.on("data", (chunk: Buffer) => {
		output += chunk.toString();
	});
	return new Promise((done) => child.on("exit", (code) => done({ code, output })));
}

/** The counter a request path touches (`/api/kv/counters/k/increment?mode=naive` → `/api/kv/counters/k`). */
function counterOf(path: string): string | null {
	return /^(\/api\/[^/]+\/counters\/[^/?]+)/.exec(path)?.[1] ?? null;
}

let dev: WranglerDev;
let proxy: Awaited<ReturnType<typeof startProxy>>;
let target: string;
const out = mkdtempSync(join(tmpdir(), "safeguards-"));
const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
const FOREIGN = ["/api/kv/counters/someone-elses-key", "/api/do/counters/run-00000000-counter-read-do-0"];

beforeAll(async () => {
	dev = await startWranglerDev({ vars: { BENCH_TOKEN: TOKEN } });
	proxy = await startProxy(new URL(dev.url));
	target = `http://${externalAddress()}:${proxy.port}`;
	// Keys that exist before the run and are not the bench's: they must survive its cleanup.
	for (const path of FOREIGN) {
		const res = await fetch(`${dev.url}${path}`, { method: "PUT", headers: auth, body: '{"value":42}' });
		expect(res.status).toBe(200);
	}
}, 60_000);

afterAll(async () => {
	await new Promise((done) => proxy?.server.close(done));
	proxy?.server.closeAllConnections();
	await dev?.stop();
	rmSync(out, { recursive: true, force: true });
});

describe("bench safeguards against a target posing as a deployment", () => {
	it("refuses a non-local target without a token, before sending any request", async () => {
		const run = await bench(["--target", target, "--profile", "quick", "--scenarios", SCENARIOS]);
		expect(run.code, run.output).toBe(2);
		expect(run.output).toContain(`--target ${target} is not local, so --token is required`);
		expect(proxy.seen).toEqual([]);
	});

	describe("with the token", () => {
		let results: BenchResults;
		let text: string;
		let code: number | null;
		let output: string;

		beforeAll(async () => {
			({ code, output } = await bench([
				"--target",
				target,
				"--token",
				TOKEN,
				"--profile",
				"quick",
				"--stores",
				"kv,do",
				"--scenarios",
				SCENARIOS,
				"--out",
				out,
			]));
			text = readFileSync(join(out, "results.json"), "utf8");
			results = parseResults(JSON.parse(text));
		}, 90_000);

		it("runs as production, authenticates every request and never writes the token", () => {
			expect(results.errors, output).toEqual([]);
			expect(code, output).toBe(results.verdict.passed ? 0 : 1);
			expect(results.run.target).toMatchObject({ kind: "production", url: target });
			expect(proxy.seen.length).toBeGreaterThan(50);
			// Only the public health check (the run's watchdog) goes without the token.
			const unauthenticated = proxy.seen
				.filter((request) => request.authorization !== `Bearer ${TOKEN}`)
				.map((request) => `${request.method} ${request.path}`);
			expect([...new Set(unauthenticated)]).toEqual(unauthenticated.length ? ["GET /api/health"] : []);
			expect(text).not.toContain(TOKEN);
			expect(text).not.toMatch(/bearer/i);
			expect(readFileSync(join(out, "report.html"), "utf8")).not.toContain(TOKEN);
		});

		it("records the colo and cf-ray the answers came from", () => {
			expect(results.run.target.colo).toBe("NRT");
			expect(results.run.target.cfRay).toBe(CF_RAY);
		});

		it("writes only under its run prefix and deletes exactly what it wrote, nothing else", async () => {
			const prefix = String(results.run.config.runPrefix);
			expect(prefix).toMatch(/^run-[0-9a-f]{8}$/);
			const mutating = proxy.seen.filter((request) => request.method !== "GET");
			expect(mutating.length).toBeGreaterThan(0);
			for (const request of mutating) expect(request.path, request.method).toContain(`/${prefix}-`);
			const written = new Set(
				mutating.filter((request) => request.method !== "DELETE").map((request) => counterOf(request.path)),
			);
			const deleted = mutating
				.filter((request) => request.method === "DELETE")
				.map((request) => request.path);
			expect(new Set(deleted).size).toBe(deleted.length);
			expect(new Set(deleted)).toEqual(written);
			expect(output).toContain(`cleaning up ${deleted.length} keys and sessions under ${prefix}`);
			for (const path of deleted) {
				const res = await fetch(`${dev.url}${path}`, { headers: auth });
				expect(await res.json(), path).toEqual({ value: null });
			}
			for (const path of FOREIGN) {
				const res = await fetch(`${dev.url}${path}`, { headers: auth });
				expect(await res.json(), path).toEqual({ value: 42 });
			}
		});

		it("paces writes in production: an open-model rate spread so no KV key sees more than 1 write/s", () => {
			const writes = (results.latency ?? []).filter((row) => row.operation === "increment-naive");
			expect(writes.map((row) => row.store).sort()).toEqual(["do", "kv"]);
			for (const row of writes) expect(row).toMatchObject({ model: "open", rate: 5 });
			const byKey = new Map<string, number[]>();
			for (const request of proxy.seen) {
				if (request.method !== "POST" || !request.path.startsWith("/api/kv/")) continue;
				const key = counterOf(request.path) ?? "";
				byKey.set(key, [...(byKey.get(key) ?? []), request.at]);
			}
			expect(byKey.size).toBeGreaterThan(1);
			for (const [key, times] of byKey) {
				for (let i = 1; i < times.length; i++) {
					expect((times[i] ?? 0) - (times[i - 1] ?? 0), key).toBeGreaterThan(1000);
				}
			}
		});

		it("counts 429 answers as rate limiting (http_429), not as store failures", () => {
			const sent429 = proxy.seen.filter((request) => request.status === 429).length;
			expect(sent429).toBeGreaterThan(0);
			const kv = (results.latency ?? []).find(
				(row) => row.store === "kv" && row.operation === "increment-naive",
			);
			const limited = kv?.errors.byKind.http_429 ?? 0;
			expect(limited).toBeGreaterThan(0);
			expect(limited).toBeLessThanOrEqual(sent429);
			expect(kv?.errors.total).toBe(limited);
			const otherKinds = Object.entries(kv?.errors.byKind ?? {}).filter(
				([kind, n]) => kind !== "http_429" && n > 0,
			);
			expect(otherKinds).toEqual([]);
			const threshold = (name: string) => results.thresholds.find((entry) => entry.name === name);
			expect(threshold("error-rate")).toMatchObject({ actual: 0, pass: true });
			expect(threshold("rate-limited")?.actual).toBeGreaterThan(0);
			expect(results.errors.some((error) => error.kind === "all_requests_failed")).toBe(false);
		});
	});
});
