import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LATENCY_OPERATIONS } from "../bench/scenarios/latency-scenarios.ts";
import { PROFILES } from "../bench/scenarios/profiles.ts";

const repoRoot = path.resolve(import.meta.dirname, "..");
const out = mkdtempSync(path.join(tmpdir(), "state-lab-k6-"));
let exported: { code: number; stdout: string; stderr: string };

/** Runs `npm run bench:k6 -- …args` the way a user would (without npm's own start-up). */
function exportK6(...args: string[]) {
	const tsx = createRequire(import.meta.url).resolve("tsx/cli");
	const result = spawnSync(process.execPath, [tsx, path.join(repoRoot, "scripts/k6-export.ts"), ...args], {
		cwd: repoRoot,
		encoding: "utf8",
	});
	return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
	exported = exportK6(
		"--out",
		out,
		"--profile",
		"thorough",
		"--stores",
		"kv,do,r2",
		"--duration",
		"20",
		"--rate",
		"40",
		"--load-zones",
		"amazon:jp:tokyo,amazon:us:ashburn,amazon:de:frankfurt",
	);
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

const script = (operation: string) => readFileSync(path.join(out, `${operation}.ts`), "utf8");

describe("npm run bench:k6", () => {
	it("writes one script per latency scenario", () => {
		expect(exported.stderr).toBe("");
		expect(exported.code).toBe(0);
		expect(readdirSync(out).sort()).toEqual(LATENCY_OPERATIONS.map((spec) => `${spec.operation}.ts`).sort());
	});

	it("type-checks every script against @types/k6", () => {
		const files = readdirSync(out).map((file) => path.join(out, file));
		const program = ts.createProgram(files, {
			strict: true,
			noUncheckedIndexedAccess: true,
			noEmit: true,
			target: ts.ScriptTarget.ES2020,
			lib: ["lib.es2020.d.ts"],
			module: ts.ModuleKind.ESNext,
			moduleResolution: ts.ModuleResolutionKind.Bundler,
			types: ["k6"],
			typeRoots: [path.join(repoRoot, "node_modules/@types")],
		});
		const errors = ts.getPreEmitDiagnostics(program).map((d) => {
			const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
			return `${d.file ? path.basename(d.file.fileName) : "?"}:${where ? where.line + 1 : 0}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
		});
		expect(errors).toEqual([]);
		expect(program.getSourceFiles().some((file) => file.fileName.includes("@types/k6"))).toBe(true);
	});

	it("runs each store as its own tagged constant-arrival-rate scenario, one after the other", () => {
		const text = script("counter-read");
		for (const [index, store] of ["kv", "do", "r2"].entries()) {
			const block = text.slice(text.indexOf(`"${store}": {`));
			expect(block).toMatch(/^"\w+": \{\n\s+executor: "constant-arrival-rate",/);
			expect(block).toContain(`exec: "run_${store}"`);
			expect(block).toContain('duration: "20s"');
			expect(block).toContain(`startTime: "${index * 30}s"`);
			expect(block).toContain(`tags: { store: "${store}", operation: "counter-read" }`);
			expect(text).toContain(`export function run_${store}(data: SetupData): void {`);
		}
		expect(text).not.toContain('"cache": {');
		expect(text).toContain("rate: 40,");
	});

	it("paces writes at the profile's production write rate and spreads them over keys", () => {
		const text = script("increment-naive");
		expect(text).toContain(`rate: ${PROFILES.thorough.productionWriteRate},`);
		expect(text).toContain("const keyCount = perKeyLimit ? Math.ceil((RATE / perKeyLimit) * 2) : RATE;");
		expect(text).toContain(
			// biome-ignore lint/suspicious/noTemplateCurlyInString: the generated k6 code is what is quoted here
			'http.request("POST", `${TARGET}/api/${store}/counters/${id}/increment?mode=naive`, `{"by":1}`, params())',
		);
	});

	it("maps the profile's thresholds and keeps 429s out of the error rate", () => {
		const text = script("session-read");
		const { maxErrorRate, maxRateLimitedShare } = PROFILES.thorough.thresholds;
		expect(text).toContain(`http_req_failed: ["rate<${maxErrorRate}"]`);
		expect(text).toContain(`rate_limited: ["rate<${maxRateLimitedShare}"]`);
		expect(text).toContain("http.setResponseCallback(http.expectedStatuses({ min: 200, max: 399 }, 429));");
		expect(text).toContain(`const SESSIONS_TO_READ = ${PROFILES.thorough.sessionsToRead};`);
		expect(text).toContain(`const REQUEST_TIMEOUT = "${PROFILES.thorough.timeoutMs}ms";`);
		for (const [metric, expression] of [
			["http_req_duration", "max>=0"],
			["http_reqs", "count>=0"],
			["http_req_failed", "rate>=0"],
			["rate_limited", "rate>=0"],
		]) {
			expect(text).toContain(`"${metric}{store:do,operation:session-read}": ["${expression}"]`);
		}
		expect(script("health")).toContain('"http_req_duration{operation:health}": ["max>=0"]');
	});

	it("skips stores without an atomic increment and writes the summary as JSON", () => {
		const text = script("increment-atomic");
		expect(text).toContain("if (!traits.atomicIncrement.supported) {");
		expect(text).toMatch(
			/export function handleSummary\(summary: Record<string, unknown>\): Record<string, string> \{\n\treturn \{\n\t\t\[SUMMARY_FILE\]: JSON\.stringify\(summary, null, 2\),/,
		);
		// biome-ignore lint/suspicious/noTemplateCurlyInString: the generated k6 code is what is quoted here
		expect(script("session-create")).toContain('`{"data":{"run":"${data.run}","n":${seq}},"ttlSeconds":60}`');
	});

	it("splits the load evenly over the k6 Cloud load zones", () => {
		expect(script("health")).toContain(
			[
				"\tcloud: {",
				"\t\tdistribution: {",
				'\t\t\t"amazon:jp:tokyo": { loadZone: "amazon:jp:tokyo", percent: 34 },',
				'\t\t\t"amazon:us:ashburn": { loadZone: "amazon:us:ashburn", percent: 33 },',
				'\t\t\t"amazon:de:frankfurt": { loadZone: "amazon:de:frankfurt", percent: 33 },',
				"\t\t},",
				"\t},",
			].join("\n"),
		);
	});

	it("refuses what it cannot export", () => {
		const pubsub = exportK6("--out", out, "--scenarios", "pubsub");
		expect(pubsub.code).toBe(2);
		expect(pubsub.stderr).toContain('scenario "pubsub" cannot be exported to k6');
		const noOut = exportK6("--profile", "quick");
		expect(noOut.code).toBe(2);
		expect(noOut.stderr).toContain("--out DIR is required");
	});
});
