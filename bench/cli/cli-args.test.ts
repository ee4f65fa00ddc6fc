import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

function cli(
	script: string,
	args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
	return new Promise((done) => {
		const env = { ...process.env };
		delete env.BENCH_TOKEN;
		const child = spawn(process.execPath, ["--import", "tsx", resolve(ROOT, script), ...args], {
			cwd: ROOT,
			env,
		});
		let stdout = "";
		let stderr = "";
		child.stdout.on("data", (c: Buffer) => {
			stdout += c.toString();
		});
		child.stderr.on("data", (c: Buffer) => {
			stderr += c.toString();
		});
		child.on("exit", (code) => done({ code, stdout, stderr }));
	});
}

describe.concurrent("npm run bench: argument errors exit 2 with one clear line, before anything starts", () => {
	it.each([
		[["--profile", "fast"], "error: unknown profile 'fast': choose one of quick, standard, thorough"],
		[["--stores", "kv,mongo"], "error: unknown store(s) 'mongo': choose from cache, kv, do, d1, r2"],
		[["--scenarios", "counter-read,nope"], "error: unknown scenario(s) 'nope'"],
		[["--target", "not a url"], "error: --target 'not a url' is not a URL"],
		[["--target", "ftp://example.com"], "error: --target must be http:// or https://"],
		[
			["--target", "https://example.com"],
			"error: --target https://example.com is not local, so --token is required",
		],
		[["--port", "http"], "error: --port must be a whole number from 1 to 65535, not 'http'"],
		[["--port", "70000"], "error: --port must be a whole number from 1 to 65535, not '70000'"],
		[
			["--port", "8787", "--target", "http://127.0.0.1:8787"],
			"error: --port sets the port of the embedded wrangler dev, so it cannot be combined with --target",
		],
		[["--bogus"], "error: Unknown option '--bogus'"],
	])("%j", async (args, message) => {
		const { code, stderr, stdout } = await cli("bench/cli/bench.ts", args);
		expect(code).toBe(2);
		expect(stderr).toContain(message);
		expect(stderr).toContain("Run with --help");
		expect(stdout).toBe("");
	});

	it("refuses a busy --port before starting wrangler, saying so", async () => {
		const busy = createServer();
		await new Promise<void>((listening) => busy.listen(0, "127.0.0.1", listening));
		const { port } = busy.address() as AddressInfo;
		try {
			const { code, stderr, stdout } = await cli("bench/cli/bench.ts", ["--port", String(port)]);
			expect(code).toBe(2);
			expect(stderr).toContain(`error: port ${port} is already in use`);
			expect(stdout).not.toContain("starting wrangler dev");
		} finally {
			busy.close();
		}
	});

	it("--help describes every option and exits 0", async () => {
		const { code, stdout } = await cli("bench/cli/bench.ts", ["--help"]);
		expect(code).toBe(0);
		for (const option of ["--target", "--port", "--token", "--profile", "--stores", "--scenarios", "--out"]) {
			expect(stdout).toContain(option);
		}
	});
});

describe.concurrent("npm run bench:load", () => {
	it.each([
		[[], "error: --url is required"],
		[
			["--url", "http://127.0.0.1:1/", "--connections", "0"],
			"error: --connections must be a positive number, not '0'",
		],
		[["--url", "http://127.0.0.1:1/", "--connections", "2.5"], "error: --connections must be a whole number"],
		[
			["--url", "http://127.0.0.1:1/", "--rate", "fast"],
			"error: --rate must be a positive number, not 'fast'",
		],
		[["--url", "ws://127.0.0.1:1/"], "error: --url must be http:// or https://"],
	])("%j exits 2", async (args, message) => {
		const { code, stderr } = await cli("bench/cli/bench-load.ts", args);
		expect(code).toBe(2);
		expect(stderr).toContain(message);
	});

	it("--json prints exactly one JSON object with the documented fields", async () => {
		const server = createServer((_req, res) => setTimeout(() => res.end("ok"), 2));
		await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
		const port = (server.address() as AddressInfo).port;
		try {
			const { code, stdout } = await cli("bench/cli/bench-load.ts", [
				"--url",
				`http://127.0.0.1:${port}/`,
				"--connections",
				"2",
				"--duration",
				"1",
				"--warmup",
				"0",
				"--json",
			]);
			expect(code).toBe(0);
			const lines = stdout.trim().split("\n");
			expect(lines).toHaveLength(1);
			const result = JSON.parse(lines[0] as string);
			expect(Object.keys(result)).toEqual(["requests", "errors", "durationS", "rps", "latencyUs"]);
			expect(Object.keys(result.latencyUs)).toEqual(["p50", "p90", "p99", "p999", "max"]);
			expect(result.errors).toBe(0);
			expect(result.requests).toBeGreaterThan(50);
			expect(result.durationS).toBeCloseTo(1, 1);
			expect(result.latencyUs.p50).toBeGreaterThanOrEqual(1000);
		} finally {
			server.close();
		}
	});
});
