import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { K6SummaryError, k6SummaryToResults } from "./k6-summary.ts";
import { ResultsFileError, readK6SummaryFile } from "./read-results-file.ts";
import { renderReport } from "./render-report.ts";
import { parseResults, RESULTS_SCHEMA_VERSION } from "./results-schema.ts";

const fixturePath = fileURLToPath(new URL("./fixtures/k6-summary.json", import.meta.url));
/** A fresh copy of the committed k6 summary, to read or to change in one test. */
const summary = (): K6Json => JSON.parse(readFileSync(fixturePath, "utf8"));

/** The parts of a k6 summary the tests read or change. */
interface K6Json {
	metrics: Record<
		string,
		{ type: string; values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }
	>;
	options: { summaryTrendStats: string[] };
	state?: unknown;
}

/** A metric of the fixture that must exist. */
function metric(json: K6Json, name: string) {
	const found = json.metrics[name];
	if (!found) throw new Error(`fixture has no metric ${name}`);
	return found;
}
const convert = (input: unknown) => k6SummaryToResults(input, { fileName: "k6-summary.json" });
const work = mkdtempSync(join(tmpdir(), "report-k6-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The text content of the `<section>` with this id. */
function section(html: string, id: string): string {
	const start = html.indexOf(`<section id="${id}"`);
	expect(start, `section #${id}`).toBeGreaterThan(-1);
	return html.slice(start, html.indexOf("</section>", start));
}

describe("k6SummaryToResults", () => {
	const input = summary();
	const results = convert(input);
	const row = (store: string) => results.latency?.find((entry) => entry.store === store);

	it("makes one open-model latency row per store and operation, marked as coming from k6", () => {
		expect(results.schemaVersion).toBe(RESULTS_SCHEMA_VERSION);
		expect(results.source).toBe("k6");
		expect(results.latency?.map((entry) => [entry.store, entry.operation]).sort()).toEqual(
			["cache", "d1", "do", "kv", "r2"].map((store) => [store, "counter-read"]),
		);
		for (const entry of results.latency ?? []) {
			expect(entry).toMatchObject({ model: "open", rate: 20, durationS: 30, warmupS: 0, connections: 8 });
			expect(entry.histogram).toBeUndefined();
			expect(entry.timeline).toEqual([]);
		}
		// Consistency needs the bench: a k6 summary has none of it.
		for (const key of ["contention", "linearizability", "sessionGuarantees", "visibility", "pubsub"]) {
			expect(results).not.toHaveProperty(key);
		}
		expect(results.run.environment).toBeUndefined();
	});

	it("puts k6's milliseconds into the right percentile fields, in microseconds", () => {
		const kv = metric(input, "http_req_duration{store:kv,operation:counter-read}").values;
		const expected = {
			p50: kv.med,
			p90: kv["p(90)"],
			p99: kv["p(99)"],
			p999: kv["p(99.9)"],
			max: kv.max,
			mean: kv.avg,
		};
		const actual = row("kv")?.latencyUs ?? {};
		expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
		for (const [field, ms] of Object.entries(expected)) {
			expect(actual[field as keyof typeof actual], field).toBeCloseTo((ms ?? Number.NaN) * 1000, 0);
		}
		expect(row("r2")?.latencyUs.p99).toBeGreaterThan(row("cache")?.latencyUs.p99 ?? Number.POSITIVE_INFINITY);
	});

	it("counts requests and failed requests per store from the tagged submetrics", () => {
		expect(row("kv")).toMatchObject({ requests: 600, rps: 20, errors: { total: 0, byKind: {} } });
		expect(row("d1")).toMatchObject({
			requests: 600,
			errors: { total: 2, byKind: { k6_http_req_failed: 2 } },
		});
	});

	it("counts 429s as http_429 (rate limiting), apart from failed requests", () => {
		const limited = summary();
		const tags = "store:kv,operation:counter-read";
		metric(limited, `rate_limited{${tags}}`).values = { rate: 0.05, passes: 30, fails: 570 };
		expect(convert(limited).latency?.find((entry) => entry.store === "kv")?.errors).toEqual({
			total: 30,
			byKind: { http_429: 30 },
		});
	});

	it("leaves out a percentile the script did not ask k6 for, instead of copying another one", () => {
		const defaults = summary();
		defaults.options.summaryTrendStats = ["avg", "min", "med", "max", "p(90)", "p(95)"];
		for (const metric of Object.values(defaults.metrics) as Array<{
			type: string;
			values: Record<string, number>;
		}>) {
			if (metric.type !== "trend") continue;
			metric.values["p(95)"] = metric.values["p(99)"] ?? 0;
			delete metric.values["p(99)"];
			delete metric.values["p(99.9)"];
		}
		const kv = convert(defaults).latency?.find((entry) => entry.store === "kv");
		expect(kv?.latencyUs).not.toHaveProperty("p99");
		expect(kv?.latencyUs).not.toHaveProperty("p999");
		expect(kv?.latencyUs.p50).toBeGreaterThan(0);
		const html = renderReport(convert(defaults));
		expect(section(html, "latency")).toContain(
			"from k6: percentiles only (no histogram; p99, p99.9 not available)",
		);
	});

	it("describes the run from the script's setup data and maps k6's thresholds", () => {
		expect(results.run).toMatchObject({
			startedAt: "2026-11-25T09:12:04.118Z",
			finishedAt: "2026-11-25T09:14:56.630Z",
			durationS: 172.512,
			profile: "standard",
			target: { kind: "production", url: "https://workers-state-lab.example.workers.dev", colo: null },
			config: { summaryFile: "k6-summary.json", runPrefix: "k6-q7n2x4ke", rate: 20, scenarioDurationS: 30 },
		});
		// The always-true per-store thresholds only make k6 report submetrics; the profile's are kept.
		expect(results.thresholds.map((threshold) => threshold.name)).toEqual([
			"http_req_failed rate<0.01",
			"rate_limited rate<0.05",
		]);
		expect(results.thresholds[0]).toMatchObject({
			limit: "rate<0.01",
			actual: metric(input, "http_req_failed").values.rate,
			pass: true,
		});
		expect(results.verdict).toMatchObject({ completed: true, passed: true });
		const failing = summary();
		metric(failing, "http_req_failed").thresholds = { "rate<0.01": { ok: false } };
		expect(convert(failing).verdict).toMatchObject({ passed: false });
		expect(convert(failing).verdict.summary).toContain("1 of 2 k6 thresholds failed");
	});

	it("round-trips through the results schema, so the report and --compare read it like any results file", () => {
		expect(parseResults(JSON.parse(JSON.stringify(results)))).toEqual(results);
	});
});

describe("k6SummaryToResults: files that are not k6 summaries", () => {
	const message = (input: unknown) => {
		try {
			convert(input);
		} catch (error) {
			expect(error).toBeInstanceOf(K6SummaryError);
			return (error as Error).message;
		}
		throw new Error("expected a K6SummaryError");
	};

	it("names what is missing", () => {
		expect(message([1, 2])).toContain("k6-summary.json is not a k6 summary: expected a JSON object");
		expect(message({ state: { testRunDurationMs: 1 } })).toContain("the field metrics is missing");
		const noState = summary();
		delete noState.state;
		expect(message(noState)).toContain("state.testRunDurationMs is missing");
		const noVus = summary();
		delete noVus.metrics.vus_max;
		expect(message(noVus)).toContain("vus_max");
	});

	it("refuses a summary without per-store submetrics, or without the failures of a store", () => {
		const untagged = summary();
		for (const name of Object.keys(untagged.metrics))
			if (name.includes("store:")) delete untagged.metrics[name];
		expect(message(untagged)).toContain("no http_req_duration{store:…,operation:…} submetrics");
		const noFailures = summary();
		delete noFailures.metrics["http_req_failed{store:do,operation:counter-read}"];
		expect(message(noFailures)).toContain("no http_req_failed{store:do,operation:counter-read} rate");
		const unknownOperation = summary();
		unknownOperation.metrics["http_req_duration{store:do,operation:teleport}"] = metric(
			unknownOperation,
			"http_req_duration{store:do,operation:counter-read}",
		);
		expect(message(unknownOperation)).toContain('the operation "teleport"');
	});

	it("points a bench results file to the plain report command", () => {
		const bench = JSON.parse(readFileSync(new URL("./fixtures/production.json", import.meta.url), "utf8"));
		expect(message(bench)).toContain("is a bench results file, not a k6 summary");
	});
});

describe("the report of a k6 summary", () => {
	const html = renderReport(convert(summary()));

	it("says where the numbers come from and shows the latency it has", () => {
		expect(html).toContain("Source: k6 (distributed runners)");
		expect(html).toContain("FROM K6");
		const latency = section(html, "latency");
		expect(latency).toContain("from k6: percentiles only (no histogram)");
		expect(latency).not.toContain("-spectrum-");
		expect(latency).toContain("chart-counter-read-p50-p99");
		expect(latency).toContain("Per-second p99: not measured");
		// kv's p99 in ms, as the table shows it.
		const kvP99 = metric(summary(), "http_req_duration{store:kv,operation:counter-read}").values["p(99)"];
		expect(latency).toContain(`>${kvP99?.toFixed(1)}<`);
		expect(latency).toContain("k6_http_req_failed: 2");
	});

	it("says the consistency sections were not run because k6 measures latency only", () => {
		for (const id of ["contention", "visibility", "linearizability", "sessions", "pubsub"]) {
			expect(section(html, id), id).toContain("(k6 measures latency only)");
		}
		expect(section(html, "scorecard")).toContain("Consistency columns: not run (k6 measures latency only)");
		expect(html).not.toContain('class="local-banner"');
	});
});

describe("npm run report -- --k6-summary FILE", () => {
	const run = promisify(execFile);
	const cli = (...args: string[]) =>
		run(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./cli.ts", import.meta.url)), ...args], {
			cwd: fileURLToPath(new URL("..", import.meta.url)),
		}).then(
			(result) => ({ code: 0, ...result }),
			(error: { code: number; stdout: string; stderr: string }) => error,
		);

	it("writes report.html beside the summary, with the results embedded", async () => {
		copyFileSync(fixturePath, join(work, "counter-read-summary.json"));
		const { code, stdout } = await cli("--k6-summary", join(work, "counter-read-summary.json"));
		expect(code).toBe(0);
		expect(stdout).toContain(join(work, "report.html"));
		const html = readFileSync(join(work, "report.html"), "utf8");
		expect(html).toContain('"source":"k6"');
		expect(readK6SummaryFile(join(work, "counter-read-summary.json")).latency).toHaveLength(5);
	});

	it("exits 2 with a clear reason for bad arguments or a file that is not a k6 summary", async () => {
		const both = await cli("results.json", "--k6-summary", fixturePath);
		expect(both.code).toBe(2);
		expect(both.stderr).toContain("give either RESULTS.json or --k6-summary FILE, not both");
		writeFileSync(join(work, "not-k6.json"), JSON.stringify({ hello: "world" }));
		const notK6 = await cli("--k6-summary", join(work, "not-k6.json"), "--out", join(work, "x.html"));
		expect(notK6.code).toBe(2);
		expect(notK6.stderr).toContain("not-k6.json is not a k6 summary: the field metrics is missing");
		expect(existsSync(join(work, "x.html"))).toBe(false);
		const missing = await cli("--k6-summary", join(work, "absent.json"));
		expect(missing.code).toBe(2);
		expect(missing.stderr).toMatch(/Cannot read k6 summary .*absent\.json: no such file/);
		const help = await cli("--help");
		expect(help.stdout).toContain("--k6-summary FILE");
	});

	it("reports a non-k6 file as a ResultsFileError", () => {
		expect(() =>
			readK6SummaryFile(fileURLToPath(new URL("./fixtures/full-local.json", import.meta.url))),
		).toThrow(ResultsFileError);
	});
});
