import type { ChartCollector, ChartSeries } from "../chart-spec.ts";
import { formatCount, formatRate, formatUsAsMs } from "../format-numbers.ts";
import { escapeHtml } from "../html.ts";
import { type Cell, dataTable, figure, label, notRun, num, section } from "../markup.ts";
import { percentileSpectrum } from "../percentile-spectrum.ts";
import {
	type BenchResults,
	LATENCY_OPERATIONS,
	type LatencyOperation,
	type LatencyResult,
} from "../results-schema.ts";
import { sortStores, storeColorKey, storeLabel, storeShortLabel, storesInResults } from "../store-catalog.ts";
import { explanation } from "../workshop-chapters.ts";

/** What each measured operation sends to the Worker. */
export const OPERATION_INFO: Record<LatencyOperation, { title: string; request: string }> = {
	"counter-read": { title: "Counter read", request: "GET /api/{store}/counters/{key}" },
	"increment-atomic": {
		title: "Increment, atomic",
		request: "POST /api/{store}/counters/{key}/increment?mode=atomic",
	},
	"increment-naive": {
		title: "Increment, naive",
		request: "POST /api/{store}/counters/{key}/increment?mode=naive",
	},
	"session-create": { title: "Session create", request: "POST /api/{store}/sessions" },
	"session-read": { title: "Session read", request: "GET /api/{store}/sessions/{id}" },
	health: { title: "Health check (no store)", request: "GET /api/health" },
};

/** How the report names rows that came from a k6 summary: percentiles only, no histogram. */
export const PERCENTILES_ONLY = "from k6: percentiles only";

const PERCENTILE_LABELS = [
	["p50", "p50"],
	["p90", "p90"],
	["p99", "p99"],
	["p999", "p99.9"],
	["max", "max"],
	["mean", "mean"],
] as const;

/** The percentiles a row does not have (k6 rows carry only what the script's summaryTrendStats asked for). */
export function missingPercentiles(row: LatencyResult): string[] {
	return PERCENTILE_LABELS.filter(([field]) => row.latencyUs[field] === undefined).map(([, name]) => name);
}

/** "from k6: percentiles only (no histogram; p99.9 not available)" for a set of histogram-less rows. */
function percentilesOnlyNote(rows: LatencyResult[]): string {
	const missing = [...new Set(rows.flatMap(missingPercentiles))];
	return `${PERCENTILES_ONLY} (no histogram${missing.length ? `; ${missing.join(", ")} not available` : ""})`;
}

/** "10 conn" for the closed model, "200 req/s open" for the open model. */
export function loadLabel(row: LatencyResult): string {
	return row.model === "open" ? `${formatRate(row.rate ?? 0)} req/s open` : `${row.connections} conn`;
}

function loadOrder(a: LatencyResult, b: LatencyResult): number {
	return (
		Number(a.model === "open") - Number(b.model === "open") ||
		a.connections - b.connections ||
		(a.rate ?? 0) - (b.rate ?? 0)
	);
}

/** Latency rows of one operation in display order: by store, then by load. */
export function rowsForOperation(results: BenchResults, operation: LatencyOperation): LatencyResult[] {
	const rows = (results.latency ?? []).filter((row) => row.operation === operation);
	const order = sortStores(rows.map((row) => row.store ?? ""));
	return rows.sort((a, b) => order.indexOf(a.store ?? "") - order.indexOf(b.store ?? "") || loadOrder(a, b));
}

/** Chart series label for a row: the store, plus the load level when an operation ran at several. */
export function seriesLabel(row: LatencyResult, multiLevel: boolean): string {
	return multiLevel ? `${storeLabel(row.store)} · ${loadLabel(row)}` : storeLabel(row.store);
}

function errorsText(row: LatencyResult): string {
	if (row.errors.total === 0) return "0";
	const kinds = Object.entries(row.errors.byKind)
		.map(([kind, n]) => `${kind}: ${formatCount(n)}`)
		.join(", ");
	return kinds ? `${formatCount(row.errors.total)} (${kinds})` : formatCount(row.errors.total);
}

function msOrNull(us: number | undefined): number | null {
	return us === undefined ? null : us / 1000;
}

function heaviestPerStore(rows: LatencyResult[]): LatencyResult[] {
	const byStore = new Map<string | null, LatencyResult>();
	for (const row of rows) {
		const current = byStore.get(row.store);
		if (!current || loadOrder(current, row) < 0) byStore.set(row.store, row);
	}
	return [...byStore.values()];
}

function renderOperation(results: BenchResults, operation: LatencyOperation, charts: ChartCollector): string {
	const rows = rowsForOperation(results, operation);
	const info = OPERATION_INFO[operation];
	const allStores = storesInResults(results);
	const levels = [...new Set(rows.map(loadLabel))];
	const multiLevel = levels.length > 1;
	const levelIndex = (row: LatencyResult) => levels.indexOf(loadLabel(row));
	const undecodable: string[] = [];
	const withoutHistogram = rows.filter((row) => row.histogram === undefined);

	const spectrumFor = (model: LatencyResult["model"]) => {
		const series: ChartSeries[] = [];
		for (const row of rows.filter((entry) => entry.model === model && entry.histogram !== undefined)) {
			const points = percentileSpectrum(row.histogram ?? "");
			if (!points) {
				undecodable.push(seriesLabel(row, multiLevel));
				continue;
			}
			series.push({
				label: seriesLabel(row, multiLevel),
				color: storeColorKey(row.store, allStores),
				dashed: levelIndex(row) > 0 && model === "closed",
				points: points.map((point) => ({ x: point.x, y: point.ms })),
			});
		}
		return series;
	};
	const models = (["closed", "open"] as const).filter((model) =>
		rows.some((row) => row.model === model && row.histogram !== undefined),
	);
	const spectra = models.map((model) => {
		const modelName =
			model === "closed" ? "closed model (fixed connections)" : "open model (fixed arrival rate)";
		const canvas = charts.canvas(
			`${operation}-spectrum-${model}`,
			`${info.title}, ${modelName}: latency percentile spectrum per store, log scales`,
			{
				type: "line",
				x: { title: "Percentile", scale: "nines" },
				y: { title: "Latency (ms)", scale: "log", format: "ms" },
				series: spectrumFor(model),
			},
		);
		return figure(
			canvas,
			`Percentile spectrum, ${modelName}`,
			explanation(
				`Each line shows the latency under which a given share of requests finished, further right meaning rarer requests (99 % = the slowest in a hundred)${model === "closed" && multiLevel ? "; dashed lines are the higher load level" : ""}. A line that climbs steeply at the right has a long tail, which users feel more than the median.`,
				"measuring",
			),
			"",
		);
	});
	const barsWide = spectra.length > 1;
	const bars = charts.canvas(
		`${operation}-p50-p99`,
		`${info.title}: p50 and p99 latency per store`,
		{
			type: "bar",
			labels: rows.map((row) =>
				multiLevel ? [storeShortLabel(row.store), loadLabel(row)] : storeLabel(row.store),
			),
			x: { title: "Store", scale: "category" },
			y: { title: "Latency (ms)", scale: "log", format: "ms" },
			series: [
				{ label: "p50", color: "p50", values: rows.map((row) => msOrNull(row.latencyUs.p50)) },
				{ label: "p99", color: "p99", values: rows.map((row) => msOrNull(row.latencyUs.p99)) },
			],
		},
		barsWide ? "wide" : "half",
	);
	const barsFigure = figure(
		bars,
		"p50 and p99",
		explanation(
			"p50 is the typical request and p99 the slowest one in a hundred, both on a log scale. Compare stores at the same load level; a wide gap between the two bars means uneven response times.",
			"measuring",
		),
		"",
	);
	const timelineRows = heaviestPerStore(rows).filter((row) => row.timeline.length > 0);
	const timeline =
		timelineRows.length === 0
			? ""
			: charts.canvas(
					`${operation}-timeline`,
					`${info.title}: p99 latency per second of the run, per store`,
					{
						type: "line",
						x: { title: "Second of the measured window", scale: "linear", format: "second" },
						y: { title: "p99 latency (ms)", scale: "linear", format: "ms", min: 0 },
						series: timelineRows.map((row) => ({
							label: seriesLabel(row, multiLevel),
							color: storeColorKey(row.store, allStores),
							points: row.timeline.map((point) => ({
								x: point.second,
								y: point.p99Us === null ? null : point.p99Us / 1000,
							})),
						})),
					},
					"wide",
				);

	// Open-model rows of the bench are corrected for coordinated omission; k6's http_req_duration is not.
	const hasOpen = rows.some((row) => row.model === "open" && row.histogram !== undefined);
	const hasStoreTime = rows.some((row) => row.storeTimeUs);
	const head = ["Store", "Load", "Requests", "Errors", "req/s", "p50", "p90", "p99", "p99.9", "max", "mean"];
	if (hasStoreTime) head.push("store time p50", "store time p99");
	if (hasOpen) head.push("p99 uncorrected", "late / dropped starts");
	const tableRows: Cell[][] = rows.map((row) => {
		const cells: Cell[] = [
			storeLabel(row.store),
			label(loadLabel(row)),
			num(formatCount(row.requests)),
			num(errorsText(row), row.errors.total > 0 ? "bad" : undefined),
			num(formatRate(row.rps)),
			num(formatUsAsMs(row.latencyUs.p50)),
			num(formatUsAsMs(row.latencyUs.p90)),
			num(formatUsAsMs(row.latencyUs.p99)),
			num(formatUsAsMs(row.latencyUs.p999)),
			num(formatUsAsMs(row.latencyUs.max)),
			num(formatUsAsMs(row.latencyUs.mean)),
		];
		if (hasStoreTime)
			cells.push(num(formatUsAsMs(row.storeTimeUs?.p50)), num(formatUsAsMs(row.storeTimeUs?.p99)));
		if (hasOpen) {
			cells.push(
				num(formatUsAsMs(row.uncorrectedLatencyUs?.p99)),
				num(
					row.model === "open"
						? `${formatCount(row.lateStarts ?? 0)} / ${formatCount(row.droppedStarts ?? 0)}`
						: "—",
				),
			);
		}
		return cells;
	});
	const table = dataTable({
		caption: `${info.title} (${info.request}): latency in milliseconds, warm-up excluded`,
		head,
		rows: tableRows,
	});

	const seconds = [...new Set(timelineRows.flatMap((row) => row.timeline.map((point) => point.second)))].sort(
		(a, b) => a - b,
	);
	const timelineTable = dataTable({
		caption: `${info.title}: per-second requests and p99 (ms) of the charted rows`,
		head: [
			"Second",
			...timelineRows.flatMap((row) => [
				`${seriesLabel(row, multiLevel)} requests`,
				`${seriesLabel(row, multiLevel)} p99`,
			]),
		],
		rows: seconds.map((second) => [
			String(second),
			...timelineRows.flatMap((row) => {
				const point = row.timeline.find((entry) => entry.second === second);
				return [num(formatCount(point?.requests)), num(formatUsAsMs(point?.p99Us))];
			}),
		]),
	});

	const undecodableNote = undecodable.length
		? `<p class="note warn-text">The histogram of ${escapeHtml(undecodable.join(", "))} could not be decoded; its spectrum is missing, the table still has its percentiles.</p>`
		: "";
	const percentilesOnly = withoutHistogram.length
		? `<p class="note">${escapeHtml(withoutHistogram.length === rows.length ? "Percentile spectrum" : `Percentile spectrum of ${withoutHistogram.map((row) => seriesLabel(row, multiLevel)).join(", ")}`)}: ${escapeHtml(percentilesOnlyNote(withoutHistogram))}. The bars and the table show what k6 measured.</p>`
		: "";
	const timelineFigure =
		timelineRows.length === 0
			? '<p class="note">Per-second p99: not measured (a k6 summary has totals for the whole run, not per-second figures).</p>'
			: figure(
					timeline,
					"Per-second p99",
					explanation(
						"The p99 of every second of the measured window, warm-up excluded, for the heaviest load level of each store. Spikes are stalls (a cold storage back end, garbage collection); a flat line means a steady run.",
						"measuring",
					),
					`<details class="numbers"><summary>Per-second numbers</summary>${timelineTable}</details>`,
				);
	const openNote =
		(hasOpen
			? '<p class="note">Open-model rows send requests at a fixed rate and measure latency from the <em>intended</em> start, so a stalled server is not hidden (coordinated omission corrected); the uncorrected p99 is shown beside it.</p>'
			: "") +
		(withoutHistogram.some((row) => row.model === "open")
			? '<p class="note">k6 rows: the constant-arrival-rate executor starts requests at a fixed rate, but k6 times each request from when it was actually sent, so these latencies are not corrected for coordinated omission. Requests per second are the requests over the scenario\'s planned duration.</p>'
			: "");
	return `<article class="operation" id="latency-${operation}" aria-labelledby="latency-${operation}-h">
<h3 id="latency-${operation}-h">${escapeHtml(info.title)} <code>${escapeHtml(info.request)}</code></h3>
${percentilesOnly}<div class="chart-pair">${spectra.join("\n")}${barsWide ? "" : barsFigure}</div>
${barsWide ? barsFigure : ""}
${undecodableNote}${table}${openNote}
${timelineFigure}
</article>`;
}

/** Latency section: per operation a spectrum, p50/p99 bars, a per-second timeline and the numbers. */
export function renderLatency(results: BenchResults, charts: ChartCollector): string {
	if (!results.latency) return section("latency", "Latency", notRun("latency section"));
	if (results.latency.length === 0)
		return section(
			"latency",
			"Latency",
			'<p class="not-run">The latency scenario ran but recorded no rows.</p>',
		);
	const operations = LATENCY_OPERATIONS.filter((operation) =>
		results.latency?.some((row) => row.operation === operation),
	);
	const intro =
		results.source === "k6"
			? explanation(
					"These latencies were measured by k6 on its own load generators, one constant-arrival-rate scenario per store, and read from k6's end-of-test summary. That summary holds percentiles, not histograms, so there is no spectrum chart and a percentile the script did not ask k6 for is shown as —.",
					"production",
				)
			: explanation(
					"Each store answers the same HTTP operations, measured with HDR histograms in microseconds after a warm-up. Latency here is the full round trip seen by the client; the store-time columns come from the Worker's Server-Timing header and show how much of it the store itself took.",
					"measuring",
				);
	return section(
		"latency",
		"Latency",
		intro + operations.map((operation) => renderOperation(results, operation, charts)).join(""),
	);
}
