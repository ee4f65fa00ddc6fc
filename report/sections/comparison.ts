import type { ChartCollector, ChartSeries } from "../chart-spec.ts";
import { formatRate, formatRelativeDelta, formatUsAsMs } from "../format-numbers.ts";
import { escapeHtml } from "../html.ts";
import { type Cell, dataTable, figure, label, section, type Tone } from "../markup.ts";
import { percentileSpectrum } from "../percentile-spectrum.ts";
import { type BenchResults, LATENCY_OPERATIONS, type LatencyResult } from "../results-schema.ts";
import { sortStores, storeColorKey, storeLabel, storesInResults } from "../store-catalog.ts";
import { explanation } from "../workshop-chapters.ts";
import { loadLabel, OPERATION_INFO, PERCENTILES_ONLY, rowsForOperation } from "./latency.ts";
import { runFacts } from "./run-header.ts";
import { SCORECARD_COLUMNS, scorecardCells } from "./scorecard.ts";

/** Facts that differ between any two runs and so are not highlighted. */
const ALWAYS_DIFFERENT = new Set(["Started", "Finished", "Duration"]);

/** Differences between two runs that make their numbers not directly comparable. */
export function comparisonWarnings(current: BenchResults, other: BenchResults): string[] {
	const warnings: string[] = [];
	const differ = (what: string, a: string, b: string) => {
		if (a !== b) warnings.push(`${what} differs: ${a} (this run) vs ${b} (other run)`);
	};
	differ("Target kind", current.run.target.kind, other.run.target.kind);
	differ("Target URL", current.run.target.url, other.run.target.url);
	differ("Profile", current.run.profile, other.run.profile);
	differ("Config hash", current.run.configHash, other.run.configHash);
	differ("Source", current.source, other.source);
	return warnings;
}

function matchKey(row: LatencyResult): string {
	return JSON.stringify([row.store, row.operation, row.model, row.connections, row.rate ?? null]);
}

/** A cell holding "this / other" and the relative delta; `higherIsBetter` picks the colours. */
function deltaCell(
	current: number | undefined,
	other: number | undefined,
	format: (value: number | undefined) => string,
	higherIsBetter = false,
): Cell {
	const change = current === undefined || other === undefined || other === 0 ? 0 : (current - other) / other;
	const better = higherIsBetter ? change > 0.1 : change < -0.1;
	const worse = higherIsBetter ? change < -0.1 : change > 0.1;
	const tone: Tone | undefined = better ? "good" : worse ? "bad" : undefined;
	return {
		html: `<span class="pair"><strong>${escapeHtml(format(current))}</strong> / ${escapeHtml(format(other))}</span><span class="delta">${escapeHtml(formatRelativeDelta(current, other))}</span>`,
		numeric: true,
		tone,
	};
}

const us = (value: number | undefined) => formatUsAsMs(value);
const rate = (value: number | undefined) => (value === undefined ? "—" : formatRate(value));

function latencyComparison(current: BenchResults, other: BenchResults, charts: ChartCollector): string {
	if (!current.latency || !other.latency) {
		return `<p class="not-run">Latency can only be compared when both runs have a latency section (this run: ${current.latency ? "yes" : "not run"}, other run: ${other.latency ? "yes" : "not run"}).</p>`;
	}
	const allStores = sortStores([...storesInResults(current), ...storesInResults(other)]);
	const parts: string[] = [];
	for (const operation of LATENCY_OPERATIONS) {
		const mine = rowsForOperation(current, operation);
		const theirs = rowsForOperation(other, operation);
		if (mine.length === 0 && theirs.length === 0) continue;
		const theirsByKey = new Map(theirs.map((row) => [matchKey(row), row]));
		const matched = mine.flatMap((row) => {
			const partner = theirsByKey.get(matchKey(row));
			return partner ? [[row, partner] as const] : [];
		});
		const info = OPERATION_INFO[operation];
		// The chart shows the lightest load level both runs share (one line per store and run);
		// the table below has every matched level.
		const chartedLevel = matched[0] ? loadLabel(matched[0][0]) : "";
		const series: ChartSeries[] = [];
		for (const [row, partner] of matched.filter(([m]) => loadLabel(m) === chartedLevel)) {
			for (const [which, source] of [
				["this run", row],
				["other run", partner],
			] as const) {
				const points = source.histogram === undefined ? null : percentileSpectrum(source.histogram);
				if (!points) continue;
				series.push({
					label: `${storeLabel(row.store)} (${which})`,
					color: storeColorKey(row.store, allStores),
					dashed: which === "other run",
					points: points.map((point) => ({ x: point.x, y: point.ms })),
				});
			}
		}
		const table = matched.length
			? dataTable({
					caption: `${info.title}: this run / other run (ms) and the change relative to the other run`,
					head: ["Store", "Load", "p50", "p90", "p99", "p99.9", "max", "req/s"],
					rows: matched.map(([row, partner]): Cell[] => [
						storeLabel(row.store),
						label(loadLabel(row)),
						deltaCell(row.latencyUs.p50, partner.latencyUs.p50, us),
						deltaCell(row.latencyUs.p90, partner.latencyUs.p90, us),
						deltaCell(row.latencyUs.p99, partner.latencyUs.p99, us),
						deltaCell(row.latencyUs.p999, partner.latencyUs.p999, us),
						deltaCell(row.latencyUs.max, partner.latencyUs.max, us),
						deltaCell(row.rps, partner.rps, rate, true),
					]),
					className: "compare",
				})
			: "";
		const unmatched = [
			...mine
				.filter((row) => !matched.some(([m]) => m === row))
				.map((row) => `${storeLabel(row.store)} · ${loadLabel(row)} only in this run`),
			...theirs
				.filter((row) => !matched.some(([, t]) => t === row))
				.map((row) => `${storeLabel(row.store)} · ${loadLabel(row)} only in the other run`),
		];
		const unmatchedNote = unmatched.length
			? `<p class="note">Not compared: ${escapeHtml(unmatched.join("; "))}.</p>`
			: "";
		if (matched.length === 0) {
			parts.push(`<h3>${escapeHtml(info.title)}</h3>${unmatchedNote}`);
			continue;
		}
		if (series.length === 0) {
			parts.push(
				`<h3>${escapeHtml(info.title)}</h3><p class="note">No percentile spectrum: neither run has a latency histogram here (${escapeHtml(PERCENTILES_ONLY)}).</p>${table}${unmatchedNote}`,
			);
			continue;
		}
		const canvas = charts.canvas(
			`compare-${operation}`,
			`${info.title} at ${chartedLevel}: percentile spectrum of this run (solid) and the other run (dashed)`,
			{
				type: "line",
				x: { title: "Percentile", scale: "nines" },
				y: { title: "Latency (ms)", scale: "log", format: "ms" },
				series,
			},
			"wide",
		);
		parts.push(
			`<h3>${escapeHtml(info.title)}</h3>${figure(
				canvas,
				`This run (solid) vs other run (dashed), ${chartedLevel}`,
				explanation(
					"Solid lines are this run and dashed lines the other run, store by store at the lightest load level both ran. Each cell below reads this / other with the change relative to the other run; red is at least 10 % worse, green at least 10 % better.",
					"production",
				),
				table,
			)}${unmatchedNote}`,
		);
	}
	return parts.join("");
}

/** The comparison section: warnings, both runs' facts side by side, latency deltas and the scorecards. */
export function renderComparison(current: BenchResults, other: BenchResults, charts: ChartCollector): string {
	const warnings = comparisonWarnings(current, other);
	const warningHtml = warnings.length
		? `<div class="alert warn" role="alert"><strong>These runs were not configured alike.</strong> Differences below mix the workload or environment with the effect you are looking for:<ul>${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("")}</ul></div>`
		: '<p class="note">Both runs used the same target kind, URL, profile and config hash.</p>';
	const mine = runFacts(current);
	const theirs = runFacts(other);
	const facts = dataTable({
		caption: "The two runs side by side",
		head: ["", "This run", "Other run"],
		rows: mine.map(([label, value], index): Cell[] => {
			const otherValue = theirs[index]?.[1] ?? "—";
			const tone: Tone | undefined =
				value !== otherValue && !ALWAYS_DIFFERENT.has(label) ? "warn" : undefined;
			return [label, { html: escapeHtml(value), tone }, { html: escapeHtml(otherValue), tone }];
		}),
	});
	const stores = sortStores([...storesInResults(current), ...storesInResults(other)]);
	const scorecards = dataTable({
		caption: "Scorecard of both runs: each store has a row for this run and one for the other run",
		head: ["Store", "Run", ...SCORECARD_COLUMNS.slice(1)],
		rows: stores.flatMap((store) => [
			[`${storeLabel(store)}`, "this", ...scorecardCells(current, store)],
			[`${storeLabel(store)}`, "other", ...scorecardCells(other, store)],
		]),
		className: "scorecard",
	});
	return section(
		"comparison",
		"Comparison with another run",
		explanation(
			"This report compares two runs, for example local against production or before against after a change. Percentile deltas are only meaningful between runs with the same profile and config, so any difference is flagged first.",
			"production",
		) +
			warningHtml +
			facts +
			latencyComparison(current, other, charts) +
			`<h3>Consistency side by side</h3>${scorecards}`,
	);
}
