import { formatMs } from "../format-numbers.ts";
import { escapeHtml } from "../html.ts";
import { type Cell, dataTable, num, section } from "../markup.ts";
import type { BenchResults } from "../results-schema.ts";
import { storeLabel } from "../store-catalog.ts";
import { explanation } from "../workshop-chapters.ts";
import { readableTime } from "./run-header.ts";

/** A short alert at the top of the report when the run is incomplete, had errors or a saturated generator. */
export function renderRunAlerts(results: BenchResults): string {
	const problems: string[] = [];
	if (!results.verdict.completed)
		problems.push("the run did not complete, so some sections are partial or missing");
	if (results.errors.length > 0) problems.push(`${results.errors.length} error(s) were recorded`);
	if (results.generator?.saturated)
		problems.push("the load generator was saturated, so latencies include its own delays");
	if (problems.length === 0) return "";
	return `<div class="alert bad" role="alert"><strong>Read these numbers with care:</strong> ${escapeHtml(problems.join("; "))}. See <a href="#problems">Errors and generator health</a>.</div>`;
}

/** Errors recorded during the run and the load generator's own health. */
export function renderProblems(results: BenchResults): string {
	const generator = results.generator;
	let generatorHtml =
		results.source === "k6"
			? '<p class="not-run"><strong>Not measured.</strong> A k6 summary does not report the health of its load generators; the exported scripts\' threshold on <code>dropped_iterations</code> (iterations k6 could not start on time) is the nearest equivalent and is listed under Thresholds when k6 dropped any.</p>'
			: '<p class="not-run"><strong>Not run.</strong> This results file has no load-generator health data.</p>';
	if (generator) {
		const banner = generator.saturated
			? '<div class="alert bad" role="alert"><strong>The load generator was saturated.</strong> The bench process itself was the bottleneck, so latencies above include its own delays; rerun with fewer connections or on a less busy machine.</div>'
			: "";
		const warnings = generator.warnings.length
			? `<ul class="warnings">${generator.warnings.map((warning) => `<li>${escapeHtml(warning)}</li>`).join("")}</ul>`
			: '<p class="note">No generator warnings.</p>';
		generatorHtml =
			banner +
			dataTable({
				caption: "Event-loop lag of the bench process (ms)",
				head: ["Measure", "p50", "p99", "max", "Saturated"],
				rows: [
					[
						"event-loop lag",
						num(formatMs(generator.eventLoopLagMs.p50)),
						num(formatMs(generator.eventLoopLagMs.p99)),
						num(formatMs(generator.eventLoopLagMs.max)),
						{ html: generator.saturated ? "yes" : "no", tone: generator.saturated ? "bad" : "good" },
					],
				],
			}) +
			warnings;
	}
	const errors = results.errors.length
		? dataTable({
				caption: `Errors recorded during the run (${results.errors.length})`,
				head: ["Time", "Scenario", "Store", "Kind", "Message"],
				rows: results.errors.map((error): Cell[] => [
					readableTime(error.at),
					error.scenario ?? "—",
					error.store ? storeLabel(error.store) : "—",
					{ html: `<code>${escapeHtml(error.kind)}</code>`, tone: "bad" },
					error.message,
				]),
			})
		: '<p class="note">No errors were recorded.</p>';
	return section(
		"problems",
		"Errors and generator health",
		`${explanation(
			"Everything that went wrong during the run is listed here, with the scenario and store it hit. The event-loop lag of the bench process tells whether the machine generating load kept up; when it did not, the latencies measure the generator rather than the Worker.",
			"measuring",
		)}<h3>Errors</h3>${errors}<h3>Load generator</h3>${generatorHtml}`,
	);
}
