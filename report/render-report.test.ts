import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatCount, formatRelativeDelta, formatUsAsMs } from "./format-numbers.ts";
import { renderReport } from "./render-report.ts";
import { type BenchResults, parseResults } from "./results-schema.ts";

function fixture(name: string): BenchResults {
	return parseResults(JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), "utf8")));
}

/** The text content of the element with this id (a `<section>` or a `<script>`). */
function element(html: string, id: string): string {
	const start = html.search(new RegExp(`<(section|script)[^>]* id="${id}"`));
	expect(start, `element #${id}`).toBeGreaterThan(-1);
	const tag = html.slice(start + 1, html.indexOf(" ", start));
	return html.slice(start, html.indexOf(`</${tag}>`, start));
}

function embeddedJson(html: string, id: string): unknown {
	const script = element(html, id);
	return JSON.parse(script.slice(script.indexOf(">") + 1));
}

const SECTIONS = [
	"scorecard",
	"latency",
	"contention",
	"visibility",
	"linearizability",
	"sessions",
	"pubsub",
	"thresholds",
	"problems",
];

describe("renderReport: a full local run", () => {
	const results = fixture("full-local");
	const html = renderReport(results);

	it("is one self-contained document that fetches nothing", () => {
		expect(html.startsWith("<!doctype html>")).toBe(true);
		expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
		expect(html).not.toMatch(/\s(src|srcset)=/i);
		expect(html).not.toMatch(/@import|[\s:,(]url\(/);
		expect(html).toContain("default-src 'none'");
		// Chart.js is inlined (its UMD bundle defines the global Chart).
		expect(html).toContain("Chart.js v4");
		expect(html.length).toBeLessThan(600 * 1024);
	});

	it("has every section, none of them marked not run", () => {
		for (const id of SECTIONS) expect(element(html, id)).toContain(`id="${id}-h"`);
		expect(html).not.toContain("Not run.");
		expect(html).not.toContain("Read these numbers with care");
	});

	it("embeds the results it was rendered from", () => {
		expect(embeddedJson(html, "results")).toEqual(JSON.parse(JSON.stringify(results)));
	});

	it("draws a canvas for every chart description, each with an accessible name", () => {
		const specs = embeddedJson(html, "chart-specs") as Array<{ id: string }>;
		const canvases = [...html.matchAll(/<canvas id="([^"]+)" role="img" aria-label="[^"]+">/g)].map(
			(m) => m[1],
		);
		expect(specs.length).toBeGreaterThan(10);
		expect(canvases).toEqual(specs.map((spec) => spec.id));
	});

	it("shows the local-run banner with the locally measured numbers", () => {
		const kv = results.visibility?.find((row) => row.store === "kv");
		expect(html).toContain("Local run: these numbers come from <code>wrangler dev</code>");
		expect(html).toContain("KV propagation");
		expect(html).toContain("D1 read replicas");
		expect(html).toContain(
			`t-visibility p50 0 ms, p99 ${kv?.timeToVisibleMs?.p99.toFixed(2)} ms over 100 writes`,
		);
		expect(html).toContain("0 read-your-writes violations in 200 checks");
	});

	it("puts the scorecard numbers in the scorecard table", () => {
		const scorecard = element(html, "scorecard");
		for (const row of results.contention ?? []) {
			expect(scorecard).toContain(`${formatCount(row.lost)} / ${formatCount(row.expected)}`);
		}
		expect(scorecard).toMatch(/tone-bad">illegal</);
		const doRead = results.latency?.find(
			(r) => r.store === "do" && r.operation === "counter-read" && r.connections === 1,
		);
		expect(scorecard).toContain(
			`${formatUsAsMs(doRead?.latencyUs.p50)} / ${formatUsAsMs(doRead?.latencyUs.p99)}`,
		);
		expect(scorecard).toContain("+480 ms late");
	});

	it("lists every latency percentile of every row in the latency tables", () => {
		const latency = element(html, "latency");
		for (const row of results.latency ?? []) {
			for (const value of [row.latencyUs.p50, row.latencyUs.p99, row.latencyUs.p999, row.latencyUs.max]) {
				expect(latency).toContain(`<td class="num">${formatUsAsMs(value)}</td>`);
			}
		}
		expect(latency).toContain("coordinated omission corrected");
	});

	it("shows the t-visibility table with the scenario's note", () => {
		const visibility = element(html, "visibility");
		expect(visibility).toContain('<th scope="col">Note</th>');
		expect(visibility).toContain("<td>a local run cannot show KV propagation delay between locations</td>");
	});

	it("shows the linearizability counterexample and links every section to its workshop chapter", () => {
		expect(element(html, "linearizability")).toContain("no order of these two increments yields 7 twice");
		// The illegal cache verdict comes from naive increments, and the section says so (kv is ok here).
		expect(element(html, "linearizability")).toContain("Cache API has no atomic increment");
		expect(element(html, "linearizability")).not.toContain("Workers KV has no atomic increment");
		expect(html).toContain("docs/workshop/en/03-durable-objects.md");
		expect(html).toContain("docs/workshop/en/02-kv.md");
		expect(html).toContain("docs/workshop/en/06-realtime-channels.md");
		expect(html).toContain("docs/workshop/en/07-measuring.md");
	});

	it("is a pure function of its input", () => {
		expect(renderReport(results)).toBe(html);
	});
});

describe("renderReport: a production-like run", () => {
	const results = fixture("production");
	const html = renderReport(results);

	it("has no local banner and shows the colo and cross-location probes", () => {
		expect(html).not.toContain(`<aside class="local-banner"`);
		expect(html).toContain("PRODUCTION RUN");
		expect(html).toContain("<dd>NRT</dd>");
		const visibility = element(html, "visibility");
		expect(visibility).toContain("AMS");
		expect(visibility).toMatch(/tone-bad">not visible</);
		expect(visibility).not.toContain("Local run:");
	});

	it("reports KV's session-guarantee violations", () => {
		expect(element(html, "sessions")).toMatch(/tone-bad">3</);
	});
});

describe("renderReport: an aborted run with errors and missing sections", () => {
	const results = fixture("with-errors");
	const html = renderReport(results);

	it("says not run for every absent section instead of failing", () => {
		for (const id of ["visibility", "linearizability", "pubsub"])
			expect(element(html, id)).toContain("Not run.");
		expect(element(html, "sessions")).toContain("no read-your-writes / monotonic-reads section");
		expect(element(html, "sessions")).toContain("no session expiry section");
		expect(element(html, "scorecard")).toContain("not run");
	});

	it("shows the verdict, failed thresholds, errors and the saturated generator", () => {
		expect(html).toContain('<span class="badge bad">INCOMPLETE</span>');
		expect(html).toContain(
			"the run did not complete, so some sections are partial or missing; 3 error(s) were recorded; the load generator was saturated",
		);
		const thresholds = element(html, "thresholds");
		expect(thresholds).toContain("2 of 3 thresholds failed");
		expect(thresholds.match(/badge bad">FAIL</g)).toHaveLength(2);
		const problems = element(html, "problems");
		expect(problems).toContain("The load generator was saturated.");
		expect(problems).toContain("wrangler dev stopped answering /api/health for 15 s");
		expect(problems).toContain("Event-loop lag p99 212 ms exceeds 50 ms");
		expect(element(html, "latency")).toContain("41 (econnreset: 37, timeout: 4)");
	});
});

describe("renderReport --compare", () => {
	const local = fixture("full-local");
	const production = fixture("production");

	it("shows both runs side by side with per-percentile deltas", () => {
		const html = renderReport(local, { compare: production });
		const comparison = element(html, "comparison");
		const mine = local.latency?.find(
			(r) => r.store === "kv" && r.operation === "counter-read" && r.connections === 10,
		);
		const theirs = production.latency?.find(
			(r) => r.store === "kv" && r.operation === "counter-read" && r.connections === 10,
		);
		if (!mine || !theirs) throw new Error("fixture rows missing");
		for (const key of ["p50", "p90", "p99", "p999", "max"] as const) {
			expect(comparison).toContain(
				`<strong>${formatUsAsMs(mine.latencyUs[key])}</strong> / ${formatUsAsMs(theirs.latencyUs[key])}</span><span class="delta">${formatRelativeDelta(mine.latencyUs[key], theirs.latencyUs[key])}</span>`,
			);
		}
		expect(comparison).toContain("https://workers-state-lab.example.workers.dev");
		expect(embeddedJson(html, "compare-results")).toEqual(JSON.parse(JSON.stringify(production)));
	});

	it("warns when the runs' target or config differ, and not when they match", () => {
		const differing = element(renderReport(local, { compare: production }), "comparison");
		expect(differing).toContain("These runs were not configured alike.");
		expect(differing).toContain("Target kind differs: local (this run) vs production (other run)");
		const quick = fixture("with-errors");
		expect(element(renderReport(local, { compare: quick }), "comparison")).toContain(
			"Profile differs: standard (this run) vs quick (other run)",
		);
		const same = element(renderReport(local, { compare: local }), "comparison");
		expect(same).not.toContain("not configured alike");
		expect(same).toContain('<span class="delta">0 %</span>');
	});

	it("compares latency only where both runs have it", () => {
		const html = renderReport(fixture("with-errors"), { compare: local });
		expect(element(html, "comparison")).toContain("only in the other run");
	});
});

describe("renderReport escapes hostile strings", () => {
	const hostile = "</script><img src=x onerror=alert(1)><!--";
	const base = fixture("with-errors");
	const results: BenchResults = {
		...base,
		run: { ...base.run, profile: hostile, target: { ...base.run.target, url: `http://x/"${hostile}` } },
		latency: base.latency?.map((row) => ({
			...row,
			store: hostile,
			errors: { total: 1, byKind: { [hostile]: 1 } },
		})),
		errors: [
			{ kind: hostile, message: hostile, scenario: hostile, store: hostile, at: "2026-11-25T17:20:27.114Z" },
		],
		thresholds: [{ name: hostile, description: hostile, limit: hostile, actual: hostile, pass: false }],
		verdict: { ...base.verdict, summary: hostile },
	};
	const html = renderReport(results, { compare: results });

	it("never lets a string open or close an element", () => {
		expect(html).not.toContain("<img");
		expect(html).not.toContain("<!--");
		expect(html.match(/<script/g)).toHaveLength(5);
		expect(html.match(/<\/script>/g)).toHaveLength(5);
		expect(html).toContain("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&lt;!--");
	});

	it("keeps the embedded JSON intact", () => {
		const embedded = embeddedJson(html, "results") as BenchResults;
		expect(embedded.errors[0]?.message).toBe(hostile);
		expect(embedded.run.target.url).toBe(`http://x/"${hostile}`);
	});
});

describe("renderReport with histograms that cannot be decoded", () => {
	it("drops only the spectrum line and says so, keeping the numbers", () => {
		const base = fixture("full-local");
		const broken = base.latency?.find((row) => row.operation === "session-read" && row.store === "kv");
		if (!broken || !base.pubsub) throw new Error("fixture rows missing");
		const results: BenchResults = {
			...base,
			latency: base.latency?.map((row) => (row === broken ? { ...row, histogram: "HISTFAAAAbad=" } : row)),
			pubsub: { ...base.pubsub, histogram: "AAAA" },
		};
		const html = renderReport(results);
		expect(element(html, "latency")).toContain("The histogram of Workers KV · 1 conn could not be decoded");
		expect(element(html, "latency")).toContain(`<td class="num">${formatUsAsMs(broken.latencyUs.p99)}</td>`);
		expect(element(html, "pubsub")).toContain("The delivery-latency histogram could not be decoded");
	});
});
