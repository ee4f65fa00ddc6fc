import { formatMs } from "../format-numbers.ts";
import { escapeHtml } from "../html.ts";
import { badge, type Tone } from "../markup.ts";
import type { BenchResults } from "../results-schema.ts";

/** Overall verdict of a run as a badge text and tone. */
export function verdictBadge(results: BenchResults): { text: string; tone: Tone } {
	if (!results.verdict.completed) return { text: "INCOMPLETE", tone: "bad" };
	return results.verdict.passed ? { text: "PASSED", tone: "good" } : { text: "FAILED", tone: "bad" };
}

/** Label/value pairs describing a run (target, time, versions, config), shared with the comparison. */
export function runFacts(results: BenchResults): Array<[string, string]> {
	const { run } = results;
	const env = run.environment;
	return [
		["Target", `${run.target.kind} — ${run.target.url}`],
		["Colo", run.target.colo ?? (run.target.kind === "local" ? "local (one location)" : "unknown")],
		["Started", run.startedAt],
		["Finished", run.finishedAt],
		["Duration", `${formatMs(run.durationS)} s`],
		["Profile", run.profile],
		["Config hash", run.configHash],
		["Source", results.source],
		["Node", env.node],
		["wrangler", env.wrangler ?? "—"],
		["OS", env.os],
		["CPU", `${env.cpu} (${env.cores} cores)`],
		["Git commit", env.gitCommit ?? "—"],
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
<p class="verdict-line">${badge(verdict.text, verdict.tone)} ${badge(kind === "local" ? "LOCAL RUN" : "PRODUCTION RUN", kind === "local" ? "warn" : "neutral")} <span class="summary">${escapeHtml(results.verdict.summary)}</span></p>
<dl class="facts">${facts}</dl>
</header>`;
}
