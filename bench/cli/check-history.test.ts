import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const tsxCli = join(root, "node_modules/tsx/dist/cli.mjs");
const dir = mkdtempSync(join(tmpdir(), "check-history-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
	const path = join(dir, name);
	writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
	return path;
}

function run(...args: string[]) {
	const result = spawnSync(process.execPath, [tsxCli, "bench/cli/check-history.ts", ...args], {
		cwd: root,
		encoding: "utf8",
		timeout: 60_000,
	});
	return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const write = { client: 1, key: "x", f: "write", call: 0, return: 10, value: 1 };
const readOne = { client: 2, key: "x", f: "read", call: 20, return: 30, value: 1 };
const readTwo = { ...readOne, value: 2 };

describe("npm run check-history", () => {
	it("exits 0 with a readable summary for a linearizable history", () => {
		const { code, stdout } = run(file("ok.json", { operations: [write, readOne] }));
		expect(code).toBe(0);
		expect(stdout).toContain("2 operations on 1 key");
		expect(stdout).toContain("x: ok (2 operations");
		expect(stdout).toContain("verdict: ok (linearizable)");
	});

	it("exits 1 with the counterexample for a history that is not linearizable", () => {
		const { code, stdout } = run(file("illegal.json", { operations: [write, readTwo] }));
		expect(code).toBe(1);
		expect(stdout).toContain("verdict: illegal (not linearizable)");
		expect(stdout).toContain("op #1 client 2 read x → 2 [20, 30]");
		expect(stdout).toContain("x was 1 (set by op #0 client 1 write x = 1 [0, 10])");
	});

	it("prints one JSON object with --json", () => {
		const path = file("mixed.json", {
			operations: [write, readOne, { ...write, key: "y" }, { ...readTwo, key: "y" }],
		});
		const { code, stdout } = run(path, "--json");
		expect(code).toBe(1);
		const result = JSON.parse(stdout);
		expect(result).toMatchObject({ file: path, verdict: "illegal", operations: 4 });
		expect(typeof result.durationMs).toBe("number");
		expect(result.counterexample).toContain('key "y"');
		expect(result.keys.map((k: { key: string; verdict: string }) => [k.key, k.verdict])).toEqual([
			["x", "ok"],
			["y", "illegal"],
		]);
		expect(result.keys[1].counterexample).toMatchObject({ key: "y", stuck: 3, stateAfterPrefix: 1 });
	});

	it("exits 2 with verdict unknown when the time budget runs out", () => {
		const operations = Array.from({ length: 20 }, (_, i) => ({
			...write,
			client: i,
			return: 100,
			value: i + 1,
		}));
		operations.push({ ...readTwo, call: 200, return: 210, value: 1000 });
		const { code, stdout } = run(file("hard.json", { operations }), "--timeout-ms", "50", "--json");
		expect(code).toBe(2);
		expect(JSON.parse(stdout)).toMatchObject({
			verdict: "unknown",
			keys: [{ key: "x", verdict: "unknown" }],
		});
	});

	it("names the operation index and field of an invalid history and exits 2", () => {
		const cases: [unknown, string][] = [
			[
				{ operations: [write, { ...readOne, value: "1" }] },
				'operations[1].value: expected a safe integer or null, got "1"',
			],
			[
				{ operations: [{ ...write, f: "delete" }] },
				'operations[0].f: expected one of "read", "write", "cas", "increment"',
			],
			[
				{ operations: [{ ...write, return: -5 }] },
				"operations[0].return: expected a time >= call (0), got -5",
			],
			[
				{ operations: [write, { client: 1, key: "x", f: "cas", call: 1, return: 2, from: 1, to: 2 }] },
				"operations[1].ok: expected true or false",
			],
			[{ operations: [{ ...write, key: "" }] }, "operations[0].key: expected a non-empty string"],
			[{ ops: [] }, '"operations": expected an array of operations'],
			["{not json", "not valid JSON"],
		];
		cases.forEach(([content, message], i) => {
			const { code, stderr } = run(file(`invalid-${i}.json`, content));
			expect(code).toBe(2);
			expect(stderr).toContain(message);
		});
	});

	it("reports invalid input as a JSON error with --json", () => {
		const { code, stdout } = run(
			file("invalid-json.json", { operations: [write, { ...readOne, call: "soon" }] }),
			"--json",
		);
		expect(code).toBe(2);
		expect(JSON.parse(stdout).error).toMatchObject({ code: "invalid_history", opIndex: 1, field: "call" });
	});

	it("exits 2 for a missing file, a missing argument or an unknown option, and 0 for --help", () => {
		expect(run(join(dir, "nope.json"))).toMatchObject({
			code: 2,
			stderr: expect.stringContaining("no such file"),
		});
		expect(run()).toMatchObject({ code: 2, stderr: expect.stringContaining("FILE is required") });
		expect(run("x.json", "--fast")).toMatchObject({ code: 2, stderr: expect.stringContaining("--fast") });
		const help = run("--help");
		expect(help.code).toBe(0);
		expect(help.stdout).toContain("Usage: npm run check-history -- FILE [--json] [--timeout-ms N]");
		expect(help.stdout).toContain("Exit codes: 0 linearizable, 1 not linearizable, 2 unknown");
	});
});
