import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ChartCollector } from "./chart-spec.ts";
import { escapeHtml, jsonForScript } from "./html.ts";
import { type BenchResults, RESULTS_SCHEMA_VERSION } from "./results-schema.ts";
import { renderComparison } from "./sections/comparison.ts";
import { renderContention } from "./sections/contention.ts";
import { renderLatency } from "./sections/latency.ts";
import { renderLinearizability } from "./sections/linearizability.ts";
import { renderLocalBanner } from "./sections/local-banner.ts";
import { renderProblems, renderRunAlerts } from "./sections/problems.ts";
import { renderPubsub } from "./sections/pubsub.ts";
import { renderRunHeader } from "./sections/run-header.ts";
import { renderScorecard } from "./sections/scorecard.ts";
import { renderSessionBehaviour } from "./sections/session-behaviour.ts";
import { renderThresholds } from "./sections/thresholds.ts";
import { renderVisibility } from "./sections/visibility.ts";

export interface RenderOptions {
	/** Another run to compare with (shown side by side with per-percentile deltas). */
	compare?: BenchResults;
}

/** Chart.js's UMD bundle from node_modules, inlined so the report needs no network. */
function chartJsSource(): string {
	const require = createRequire(import.meta.url);
	const entry = require.resolve("chart.js");
	return readFileSync(join(dirname(entry), "chart.umd.min.js"), "utf8");
}

function asset(name: string): string {
	return readFileSync(new URL(`./assets/${name}`, import.meta.url), "utf8");
}

/** Inline script text can never contain `</script`; escaping the slash keeps the JavaScript identical. */
function inlineScript(source: string): string {
	return source.replace(/<\/(script)/gi, "<\\/$1");
}

const CONTENT_SECURITY_POLICY =
	"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src 'none'; connect-src 'none'";

/**
 * Renders a results file as one self-contained HTML page: Chart.js and the results JSON are embedded,
 * nothing is fetched from anywhere. Pure: the same input gives the same HTML.
 */
export function renderReport(results: BenchResults, options: RenderOptions = {}): string {
	const charts = new ChartCollector();
	const sections: Array<[id: string, title: string, html: string]> = [
		["scorecard", "Scorecard", renderScorecard(results)],
	];
	if (options.compare) {
		sections.push(["comparison", "Comparison", renderComparison(results, options.compare, charts)]);
	}
	sections.push(
		["latency", "Latency", renderLatency(results, charts)],
		["contention", "Lost updates", renderContention(results, charts)],
		["visibility", "t-visibility", renderVisibility(results, charts)],
		["linearizability", "Linearizability", renderLinearizability(results)],
		["sessions", "Sessions", renderSessionBehaviour(results)],
		["pubsub", "Pub/sub", renderPubsub(results, charts)],
		["thresholds", "Thresholds", renderThresholds(results)],
		["problems", "Errors", renderProblems(results)],
	);
	const toc = sections.map(([id, title]) => `<li><a href="#${id}">${escapeHtml(title)}</a></li>`).join("");
	const { run } = results;
	const title = `Workers State Lab — ${run.target.kind} run, ${run.startedAt}${options.compare ? " (comparison)" : ""}`;
	const compareData = options.compare
		? `<script type="application/json" id="compare-results">${jsonForScript(options.compare)}</script>\n`
		: "";
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="generator" content="workers-state-lab report, results schema ${RESULTS_SCHEMA_VERSION}">
<title>${escapeHtml(title)}</title>
<style>
${asset("report.css")}
</style>
</head>
<body>
<a class="skip" href="#main">Skip to the results</a>
${renderRunHeader(results)}
<nav class="toc" aria-label="Sections"><ul>${toc}</ul></nav>
<main id="main">
${renderRunAlerts(results)}${renderLocalBanner(results)}
${sections.map(([, , html]) => html).join("\n")}
</main>
<footer>
<p>Generated from a results file of schema version ${RESULTS_SCHEMA_VERSION} (see <code>docs/results-schema.md</code>). This page is its own data file: the results are embedded as JSON in <code>&lt;script id="results"&gt;</code>${options.compare ? ' and the compared run in <code>&lt;script id="compare-results"&gt;</code>' : ""}. Rebuild it with <code>npm run report -- results.json</code>.</p>
</footer>
<script type="application/json" id="results">${jsonForScript(results)}</script>
${compareData}<script type="application/json" id="chart-specs">${jsonForScript(charts.specs)}</script>
<script>${inlineScript(chartJsSource())}</script>
<script>${inlineScript(asset("report-client.js"))}</script>
</body>
</html>
`;
}
