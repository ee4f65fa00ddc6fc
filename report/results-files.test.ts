import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ResultsFileError, readResultsFile } from "./read-results-file.ts";
import { parseResults, RESULTS_SCHEMA_VERSION } from "./results-schema.ts";
import { writeReport } from "./write-report.ts";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const fixture = (name: string) => join(fixtures, name);
const work = mkdtempSync(join(tmpdir(), "report-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("readResultsFile", () => {
	it("reads the committed fixtures of this schema version", () => {
		for (const name of ["full-local.json", "production.json", "with-errors.json"]) {
			expect(readResultsFile(fixture(name)).schemaVersion).toBe(RESULTS_SCHEMA_VERSION);
		}
	});

	it("names every malformed field by its path", () => {
		expect(() => readResultsFile(fixture("malformed.json"))).toThrowError(ResultsFileError);
		try {
			readResultsFile(fixture("malformed.json"));
		} catch (error) {
			const message = (error as Error).message;
			expect(message).toContain("malformed.json");
			expect(message).toContain("run.target: Invalid input: expected object, received undefined");
			expect(message).toContain("latency[0].latencyUs.p99: Invalid input: expected number, received string");
			expect(message).toContain('contention[0].mode: Invalid option: expected one of "naive"|"atomic"');
			expect(message).toContain("verdict.completed");
		}
	});

	it("says which schema version wrote an older file", () => {
		expect(() => readResultsFile(fixture("older-version.json"))).toThrowError(
			/written by schema version 0; this report reads version 1/,
		);
	});

	it("recognises a truncated file", () => {
		expect(() => readResultsFile(fixture("truncated.json"))).toThrowError(
			/truncated\.json is truncated \(the JSON ends early/,
		);
	});

	it("explains missing, empty and non-JSON files", () => {
		expect(() => readResultsFile(join(work, "absent.json"))).toThrowError(
			/Cannot read results file .*absent\.json: no such file/,
		);
		writeFileSync(join(work, "empty.json"), "  \n");
		expect(() => readResultsFile(join(work, "empty.json"))).toThrowError(/is empty/);
		writeFileSync(join(work, "html.json"), "<html></html>");
		expect(() => readResultsFile(join(work, "html.json"))).toThrowError(/is not valid JSON/);
		writeFileSync(join(work, "array.json"), "[1, 2]");
		expect(() => readResultsFile(join(work, "array.json"))).toThrowError(/expected a JSON object/);
		writeFileSync(join(work, "other.json"), '{"name": "some other tool"}');
		expect(() => readResultsFile(join(work, "other.json"))).toThrowError(/schemaVersion is missing/);
	});
});

describe("parseResults", () => {
	it("refuses a newer version too, and keeps every valid field", () => {
		expect(() => parseResults({ schemaVersion: 2 })).toThrowError(/written by schema version 2/);
		const parsed = parseResults(JSON.parse(readFileSync(fixture("full-local.json"), "utf8")));
		expect(parsed.latency?.[0]?.histogram?.length).toBeGreaterThan(20);
		expect(parsed.run.target.kind).toBe("local");
	});

	it("limits a long list of problems", () => {
		const results = JSON.parse(readFileSync(fixture("full-local.json"), "utf8"));
		for (const row of results.latency) row.rps = "many";
		expect(() => parseResults(results)).toThrowError(/latency\[0\]\.rps[\s\S]*… and \d+ more/);
	});
});

describe("writeReport", () => {
	it("writes the report from a path, with a comparison from loaded results", () => {
		const out = join(work, "nested", "report.html");
		const production = parseResults(JSON.parse(readFileSync(fixture("production.json"), "utf8")));
		const { bytes } = writeReport(fixture("full-local.json"), out, { compare: production });
		const html = readFileSync(out, "utf8");
		expect(bytes).toBe(Buffer.byteLength(html));
		expect(html).toContain('id="comparison"');
		expect(html).toContain('id="compare-results"');
	});

	it("refuses invalid results given as an object", () => {
		expect(() => writeReport({ schemaVersion: 1 } as never, join(work, "never.html"))).toThrowError(/run:/);
		expect(existsSync(join(work, "never.html"))).toBe(false);
	});
});

describe("npm run report (CLI)", () => {
	const run = promisify(execFile);
	const cli = (...args: string[]) =>
		run(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./cli.ts", import.meta.url)), ...args], {
			cwd: fileURLToPath(new URL("..", import.meta.url)),
		}).then(
			(result) => ({ code: 0, ...result }),
			(error: { code: number; stdout: string; stderr: string }) => error,
		);

	it("writes report.html beside the results file by default", async () => {
		copyFileSync(fixture("with-errors.json"), join(work, "results.json"));
		const { code, stdout } = await cli(join(work, "results.json"));
		expect(code).toBe(0);
		expect(stdout).toContain(join(work, "report.html"));
		expect(readFileSync(join(work, "report.html"), "utf8")).toContain("INCOMPLETE");
	});

	it("exits 2 with the reason for a bad file or bad arguments", async () => {
		const malformed = await cli(fixture("malformed.json"), "--out", join(work, "x.html"));
		expect(malformed.code).toBe(2);
		expect(malformed.stderr).toContain("latency[0].latencyUs.p99");
		const older = await cli(fixture("older-version.json"), "--compare", fixture("full-local.json"));
		expect(older.code).toBe(2);
		expect(older.stderr).toContain("schema version 0");
		const compareTruncated = await cli(fixture("full-local.json"), "--compare", fixture("truncated.json"));
		expect(compareTruncated.code).toBe(2);
		expect(compareTruncated.stderr).toContain("truncated.json is truncated (the JSON ends early");
		const noArgs = await cli();
		expect(noArgs.code).toBe(2);
		expect(noArgs.stderr).toContain("missing RESULTS.json");
		const unknown = await cli(fixture("full-local.json"), "--colour");
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain("--colour");
		const help = await cli("--help");
		expect(help.code).toBe(0);
		expect(help.stdout).toContain("--compare OTHER.json");
	});
});
