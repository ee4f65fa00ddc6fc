import type { ChartCollector } from "../chart-spec.ts";
import { formatCount, formatMs } from "../format-numbers.ts";
import { type Cell, dataTable, figure, notRun, num, section } from "../markup.ts";
import type { BenchResults } from "../results-schema.ts";
import { sortStores, storeColorKey, storeLabel, storesInResults } from "../store-catalog.ts";
import { explanation } from "../workshop-chapters.ts";

/** Carries a CDF's last value to the right edge so every store's line spans the whole axis. */
function extendTo(points: Array<{ x: number; y: number }>, longest: number): Array<{ x: number; y: number }> {
	const last = points.at(-1);
	return last && last.x < longest ? [...points, { x: longest, y: last.y }] : points;
}

/** t-visibility section: CDF of time-to-visible per store, plus cross-location probes when present. */
export function renderVisibility(results: BenchResults, charts: ChartCollector): string {
	const rows = results.visibility;
	if (!rows) return section("visibility", "t-visibility", notRun("t-visibility section", results.source));
	const order = sortStores(rows.map((row) => row.store));
	const sorted = [...rows].sort((a, b) => order.indexOf(a.store) - order.indexOf(b.store));
	const allStores = storesInResults(results);
	const longest = Math.max(0, ...rows.flatMap((row) => row.cdf.map((point) => point.ms)));
	const canvas = charts.canvas(
		"visibility-cdf",
		"t-visibility: cumulative share of writes visible after t milliseconds, per store",
		{
			type: "line",
			stepped: true,
			x: { title: "Milliseconds after the write returned", scale: "linear", format: "ms", min: 0 },
			y: { title: "Writes visible", scale: "linear", format: "percent", min: 0, max: 100 },
			series: sorted.map((row) => ({
				label: storeLabel(row.store),
				color: storeColorKey(row.store, allStores),
				points: extendTo(
					row.cdf.map((point) => ({ x: point.ms, y: point.fraction * 100 })),
					longest,
				),
			})),
		},
		"wide",
	);
	const hasNotes = sorted.some((row) => row.note);
	const table = dataTable({
		caption: "t-visibility: time from a completed write until a reader on another connection saw it (ms)",
		head: ["Store", "Writes probed", "Never visible", "p50", "p99", "max", ...(hasNotes ? ["Note"] : [])],
		rows: sorted.map((row): Cell[] => [
			storeLabel(row.store),
			num(formatCount(row.samples)),
			num(formatCount(row.notVisible), row.notVisible > 0 ? "bad" : "good"),
			num(formatMs(row.timeToVisibleMs?.p50)),
			num(formatMs(row.timeToVisibleMs?.p99)),
			num(formatMs(row.timeToVisibleMs?.max)),
			...(hasNotes ? [row.note ?? ""] : []),
		]),
	});
	const cdfTable = dataTable({
		caption: "t-visibility CDF points: share of writes visible within t ms",
		head: ["Store", "t (ms)", "Visible"],
		rows: sorted.flatMap((row) =>
			row.cdf.map((point): Cell[] => [
				storeLabel(row.store),
				num(formatMs(point.ms)),
				num(`${(point.fraction * 100).toFixed(1)} %`),
			]),
		),
	});
	const located = sorted.filter((row) => row.locations && row.locations.length > 0);
	const locationsTable = located.length
		? dataTable({
				caption: "Cross-location probes: time until each region saw the write (ms)",
				head: ["Store", "Region", "Colo", "Time to visible (ms)"],
				rows: located.flatMap((row) =>
					(row.locations ?? []).map((location): Cell[] => [
						storeLabel(row.store),
						location.region,
						location.colo ?? "—",
						num(
							location.ms === null ? "not visible" : formatMs(location.ms),
							location.ms === null ? "bad" : undefined,
						),
					]),
				),
			})
		: "";
	const localNote =
		results.run.target.kind === "local"
			? '<p class="note warn-text">Local run: every store lives in one process and one location, so near-zero times are expected here. KV\'s propagation delay between locations can only be seen against a production target.</p>'
			: "";
	return section(
		"visibility",
		"t-visibility",
		localNote +
			figure(
				canvas,
				"Cumulative share of writes visible after t ms",
				explanation(
					"A writer updates a key and readers on other connections poll it; the curve is the share of writes already visible t ms after the write returned (t-visibility, Bailis et al.). A curve that reaches 100 % at 0 ms means every read after a write saw it.",
					"kv",
				),
				`${table}<details class="numbers"><summary>CDF points</summary>${cdfTable}</details>${locationsTable}`,
			),
	);
}
