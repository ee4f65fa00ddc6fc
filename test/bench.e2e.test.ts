import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, startWranglerDev } from "../bench/target/wrangler-dev.ts";
import { parseResults } from "../report/results-schema.ts";

// `npm run bench` as a user runs it: the real CLI, a real wrangler dev, results.json checked
// against the report's schema. Others kill the target mid-run, interrupt the run, and give
// wrangler a broken configuration.

const ROOT = resolve(import.meta.dirname, "..");
const STORES = ["cache", "kv", "do", "d1", "r2"];
const outDirs: string[] = [];

afterAll(() => {
	for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});

function bench(args: string[]) {
	const child = spawn("npm", ["run", "--silent", "bench", "--", ...args], {
		cwd: ROOT,
		env: { ...process.env, BENCH_TOKEN: "" },
		stdio: ["ignore", "pipe", "pipe"],
	});
	let output = "";
	child.stdout.on("data", (c: Buffer) => {
		output += c.toString();
	});
	child.stderr.on("data", (c: Buffer) => {
		output += c.toString();
	});
	const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
	return { exited, output: () => output };
}

function tempOut(): string {
	const dir = mkdtempSync(join(tmpdir(), "bench-e2e-"));
	outDirs.push(dir);
	return dir;
}

describe("npm run bench", () => {
	it("--profile quick starts its own wrangler dev, measures every store and writes valid results", async () => {
		const out = tempOut();
		const port = await freePort();
		const run = bench(["--profile", "quick", "--port", String(port), "--out", out]);
		const code = await run.exited;
		const results = parseResults(JSON.parse(readFileSync(join(out, "results.json"), "utf8")));
		expect(results.errors, run.output()).toEqual([]);
		expect(results.verdict.completed).toBe(true);
		expect(code).toBe(results.verdict.passed ? 0 : 1);
		expect(results.run.target.kind).toBe("local");
		expect(results.run.target.url).toBe(`http://127.0.0.1:${port}`);
		expect(results.run.profile).toBe("quick");
		expect(results.run.environment?.wrangler).toMatch(/^\d+\.\d+\.\d+/);
		expect(results.stores?.map((s) => s.name)).toEqual(STORES);
		const latency = results.latency ?? [];
		for (const store of STORES) {
			const operations = latency.filter((r) => r.store === store).map((r) => r.operation);
			const atomic = store === "do" || store === "d1" || store === "r2";
			expect(operations.sort()).toEqual(
				[
					"counter-read",
					...(atomic ? ["increment-atomic"] : []),
					"increment-naive",
					"session-create",
					"session-read",
				].sort(),
			);
		}
		for (const row of latency) {
			expect(row.requests, `${row.operation} ${row.store}`).toBeGreaterThan(0);
			expect(row.errors.total, `${row.operation} ${row.store}`).toBe(0);
			expect(row.latencyUs.p50).toBeGreaterThan(0);
			// Storage time is part of the round trip, so never more than it.
			if (row.store) expect(row.storeTimeUs?.p50).toBeLessThanOrEqual(row.latencyUs.max ?? Number.NaN);
		}
		expect(results.pubsub?.lost).toBe(0);
		expect(results.pubsub?.delivered).toBe(
			(results.pubsub?.messages ?? 0) * (results.pubsub?.subscribers ?? 0),
		);
		expect(existsSync(join(out, "report.html"))).toBe(true);
		expect(run.output()).toContain(results.verdict.summary);
		// The embedded wrangler dev is gone.
		await expect(fetch(`http://127.0.0.1:${port}/api/health`)).rejects.toThrow();
	});

	it("stops within 15 s when the target dies, exits non-zero and still writes what it measured", async () => {
		const dev = await startWranglerDev();
		const out = tempOut();
		try {
			const run = bench(["--target", dev.url, "--profile", "standard", "--out", out]);
			// Let it measure something first.
			const deadline = Date.now() + 60_000;
			while (!/counter-read/.test(run.output()) && Date.now() < deadline)
				await new Promise((r) => setTimeout(r, 200));
			const killedAt = Date.now();
			process.kill(-dev.pid, "SIGKILL");
			const code = await run.exited;
			const stoppedMs = Date.now() - killedAt;
			console.log(`target killed mid-run: the bench exited ${code} after ${(stoppedMs / 1000).toFixed(1)} s`);
			expect(stoppedMs).toBeLessThan(15_000);
			expect(code).toBe(1);
			const results = parseResults(JSON.parse(readFileSync(join(out, "results.json"), "utf8")));
			expect(results.verdict.completed).toBe(false);
			expect(results.verdict.passed).toBe(false);
			expect(results.errors.map((e) => e.kind)).toContain("run_aborted");
			expect(results.errors.find((e) => e.kind === "run_aborted")?.message).toMatch(/stopped answering/);
			// What was measured before the kill is kept.
			expect((results.latency ?? []).length).toBeGreaterThan(0);
			expect(results.run.target.url).toBe(dev.url);
		} finally {
			await dev.stop();
		}
	});
});

describe("npm run bench against a target with a BENCH_TOKEN", () => {
	it("authenticates every request and deletes the keys and sessions it created", async () => {
		const token = "e2e-secret-token";
		const dev = await startWranglerDev({ vars: { BENCH_TOKEN: token } });
		const out = tempOut();
		try {
			// A wrong token fails fast with a clear error instead of measuring 401s.
			const refused = bench(["--target", dev.url, "--token", "wrong", "--out", tempOut()]);
			expect(await refused.exited).toBe(1);
			expect(refused.output()).toContain("the target refused the token (401)");
			const run = bench([
				"--target",
				dev.url,
				"--token",
				token,
				"--profile",
				"quick",
				"--stores",
				"kv,do",
				"--scenarios",
				"counter-read,increment-naive,session-create,pubsub",
				"--out",
				out,
			]);
			const code = await run.exited;
			const text = readFileSync(join(out, "results.json"), "utf8");
			const results = parseResults(JSON.parse(text));
			expect(results.errors, run.output()).toEqual([]);
			expect(code).toBe(results.verdict.passed ? 0 : 1);
			expect(text).not.toContain(token);
			expect(results.latency?.every((r) => r.errors.total === 0 && r.requests > 0)).toBe(true);
			expect(results.pubsub?.lost).toBe(0);
			expect(run.output()).toMatch(/cleaning up \d+ keys and sessions under run-[0-9a-f]{8}/);
			// Every counter the run wrote is gone again (keys are named after the run prefix).
			const prefix = String(results.run.config.runPrefix);
			const auth = { authorization: `Bearer ${token}` };
			for (const store of ["kv", "do"]) {
				for (const op of ["counter-read", "increment-naive"]) {
					const res = await fetch(`${dev.url}/api/${store}/counters/${prefix}-${op}-${store}-0`, {
						headers: auth,
					});
					expect(await res.json()).toEqual({ value: null });
				}
			}
			// Without the token the same Worker refuses, so the run really did authenticate.
			expect((await fetch(`${dev.url}/api/kv/counters/x`)).status).toBe(401);
		} finally {
			await dev.stop();
		}
	});
});

describe("npm run bench interrupted", () => {
	it("on Ctrl-C (SIGINT to the process group) writes partial results, stops wrangler and exits 130", async () => {
		const out = tempOut();
		// The bench process itself (under `npm run`, npm dies of the same SIGINT and the shell shows 130 too).
		const script = join(ROOT, "bench/cli/bench.ts");
		const child = spawn(process.execPath, ["--import", "tsx", script, "--profile", "quick", "--out", out], {
			cwd: ROOT,
			env: { ...process.env, BENCH_TOKEN: "" },
			stdio: ["ignore", "pipe", "pipe"],
			detached: true,
		});
		let output = "";
		child.stdout.on("data", (c: Buffer) => {
			output += c.toString();
		});
		const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
		const deadline = Date.now() + 90_000;
		while (!/counter-read/.test(output) && Date.now() < deadline)
			await new Promise((r) => setTimeout(r, 100));
		const interruptedAt = Date.now();
		process.kill(-(child.pid as number), "SIGINT");
		expect(await exited).toBe(130);
		const stoppedMs = Date.now() - interruptedAt;
		console.log(`Ctrl-C mid-run: the bench exited 130 after ${(stoppedMs / 1000).toFixed(1)} s`);
		expect(stoppedMs).toBeLessThan(15_000);
		const results = parseResults(JSON.parse(readFileSync(join(out, "results.json"), "utf8")));
		expect(results.errors.find((e) => e.kind === "run_aborted")?.message).toBe("interrupted by SIGINT");
		expect(results.verdict.completed).toBe(false);
		expect((results.latency ?? []).length).toBeGreaterThan(0);
		const port = new URL(results.run.target.url).port;
		await expect(fetch(`http://127.0.0.1:${port}/api/health`)).rejects.toThrow();
	});
});

describe("npm run bench when wrangler dev cannot start", () => {
	it("shows wrangler's own error, writes results saying what failed and exits 1", async () => {
		// A copy of this project whose wrangler.toml points at an entry file that does not exist,
		// as after a slip while editing it in the workshop.
		const copy = tempOut();
		const files = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT }).toString().split("\0");
		for (const file of files.filter(Boolean)) cpSync(join(ROOT, file), join(copy, file));
		symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"));
		const config = readFileSync(join(copy, "wrangler.toml"), "utf8");
		writeFileSync(
			join(copy, "wrangler.toml"),
			config.replace(/^main = .*$/m, 'main = "workers/missing-entry.ts"'),
		);
		const out = join(copy, "out");
		const child = spawn(
			process.execPath,
			["--import", "tsx", join(copy, "bench/cli/bench.ts"), "--profile", "quick", "--out", out],
			{ cwd: copy, env: { ...process.env, BENCH_TOKEN: "" }, stdio: ["ignore", "pipe", "pipe"] },
		);
		let output = "";
		child.stdout.on("data", (c: Buffer) => {
			output += c.toString();
		});
		child.stderr.on("data", (c: Buffer) => {
			output += c.toString();
		});
		const code = await new Promise<number | null>((done) => child.on("exit", done));
		expect(code, output).toBe(1);
		expect(output).toContain("wrangler dev failed to start. Its output:");
		expect(output).toContain('The entry-point file at "workers/missing-entry.ts" was not found');
		const results = parseResults(JSON.parse(readFileSync(join(out, "results.json"), "utf8")));
		expect(results.verdict.completed).toBe(false);
		const failure = results.errors.find((e) => e.kind === "target_failed");
		expect(failure?.message).toContain("workers/missing-entry.ts");
		expect(results.latency ?? []).toEqual([]);
	});
});
