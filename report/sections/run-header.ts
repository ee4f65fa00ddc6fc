import { formatMs } from "../format-numbers.ts";
import { escapeHtml } from "../html.ts";
import { badge, type Tone } from "../markup.ts";
import type { BenchResults } from "../results-schema.ts";

/** Overall verdict of a run as a badge text and tone. */
export function verdictBadge(results: BenchResults): { text: string; tone: Tone } {
	if (!results.verdict.completed) return { text: "INCOMPLETE", tone: "bad" };
	return results.verdict.passed ? { text: "PASSED", tone: "good" } : { text: "FAILED", tone: "bad" };
}

/** `2026-11-25T17:10:04.512Z` → `2026-11-25 17:10:04 UTC`; other offsets are kept as written. */
export function readableTime(iso: string): string {
	const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
	return match ? `${match[1]} ${match[2]} UTC` : iso;
}

/** Where the numbers came from: the bench harness itself, or a k6 summary from distributed runners. */
export function sourceLabel(results: BenchResults): string {
	if (results.source === "bench") return "bench (npm run bench)";
	const file = results.run.config.summaryFile;
	return `k6 (distributed runners)${typeof file === "string" ? `, summary ${file}` : ""}`;
}

/** Label/value pairs describing a run (target, time, versions, config), shared with the comparison. */
export function runFacts(results: BenchResults): Array<[string, string]> {
	const { run } = results;
	const env = run.environment;
	const notRecorded = "not recorded (k6 summary)";
	return [
		["Target", `${run.target.kind} — ${run.target.url}`],
		[
			"Colo",
			run.target.colo ??
				(run.target.kind === "local" ? "local (one location)" : env ? "unknown" : notRecorded),
		],
		["Started", readableTime(run.startedAt)],
		["Finished", readableTime(run.finishedAt)],
		["Duration", `${formatMs(run.durationS)} s`],
		["Profile", run.profile],
		["Config hash", run.configHash],
		["Source", sourceLabel(results)],
		["Node", env ? env.node : notRecorded],
		["wrangler", env ? (env.wrangler ?? "—") : notRecorded],
		["OS", env ? env.os : notRecorded],
		["CPU", env ? `${env.cpu} (${env.cores} cores)` : notRecorded],
		["Git commit", env ? (env.gitCommit ?? "—") : notRecorded],
	];
}

/** The page header: title, verdict, and the facts of the run. */
export function renderRunHeader(results: BenchResults): string {
	const verdict = verdictBadge(results);
	const facts = runFacts(results)
		.map(([label, value]) => `<div><dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd></div>`)
		.join("");
	const kind = results.run.target.kind;
	return `<header class="run-header">
<div class="title-row"><h1>Workers State Lab <span class="subtitle">bench report</span></h1>
<button type="button" id="theme-toggle" class="theme-toggle" aria-label="Switch between light and dark theme">◐ Theme</button></div>
<p class="verdict-line">${badge(verdict.text, verdict.tone)} ${badge(kind === "local" ? "LOCAL RUN" : "PRODUCTION RUN", kind === "local" ? "warn" : "neutral")}${results.source === "k6" ? ` ${badge("FROM K6", "neutral")}` : ""} <span class="summary">${escapeHtml(results.verdict.summary)}</span></p>
${
	results.source === "k6"
		? `<p class="source-line">Source: k6 (distributed runners). Latency only: k6 measured the requests of the exported latency scenarios; the consistency scenarios need the bench.</p>
`
		: ""
}<dl class="facts">${facts}</dl>
</header>`;
}
