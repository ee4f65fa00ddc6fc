import { escapeHtml } from "../html.ts";
import { badge, type Cell, dataTable, section } from "../markup.ts";
import type { BenchResults } from "../results-schema.ts";
import { explanation } from "../workshop-chapters.ts";

function show(value: number | string | null): string {
	if (value === null) return "not measured";
	return typeof value === "number" ? String(Math.round(value * 10_000) / 10_000) : value;
}

/** Thresholds of the profile, coloured pass/fail. */
export function renderThresholds(results: BenchResults): string {
	const rows = results.thresholds;
	const failed = rows.filter((row) => !row.pass).length;
	const body =
		rows.length === 0
			? '<p class="not-run">No thresholds were evaluated for this run.</p>'
			: `<p class="threshold-summary">${failed === 0 ? badge(rows.length === 1 ? "The one threshold held" : `All ${rows.length} thresholds held`, "good") : badge(`${failed} of ${rows.length} thresholds failed`, "bad")}</p>${dataTable(
					{
						caption: "Thresholds of the profile",
						head: ["Threshold", "What is checked", "Limit", "Actual", "Result"],
						rows: rows.map((row): Cell[] => [
							row.name,
							row.description,
							{ html: escapeHtml(show(row.limit)), numeric: true },
							{ html: escapeHtml(show(row.actual)), numeric: true, tone: row.pass ? "good" : "bad" },
							{ html: badge(row.pass ? "PASS" : "FAIL", row.pass ? "good" : "bad") },
						]),
					},
				)}`;
	return section(
		"thresholds",
		"Thresholds",
		explanation(
			"Each profile sets limits on things that make a run untrustworthy, such as the error rate or a saturated load generator. The bench exits with status 0 only when the run completed and every threshold held.",
			"measuring",
		) + body,
	);
}
