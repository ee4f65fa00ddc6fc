import type { ChartCollector } from "../chart-spec.ts";
import { formatCount, formatMs, formatPercent } from "../format-numbers.ts";
import { type Cell, dataTable, figure, notRun, num, section } from "../markup.ts";
import type { BenchResults, ContentionResult } from "../results-schema.ts";
import { sortStores, storeLabel } from "../store-catalog.ts";
import { explanation } from "../workshop-chapters.ts";

function groupLabel(row: ContentionResult, multiShape: boolean): string {
	return multiShape
		? `${storeLabel(row.store)} · ${row.clients}×${row.incrementsPerClient}`
		: storeLabel(row.store);
}

function lostShare(row: ContentionResult | undefined): number | null {
	if (!row || row.lost === null || row.expected === 0) return null;
	return (row.lost / row.expected) * 100;
}

/** Lost-updates section: naive vs atomic increments under contention. */
export function renderContention(results: BenchResults, charts: ChartCollector): string {
	const rows = results.contention;
	if (!rows)
		return section(
			"contention",
			"Lost updates under contention",
			notRun("contention (lost updates) section", results.source),
		);
	const order = sortStores(rows.map((row) => row.store));
	const sorted = [...rows].sort(
		(a, b) =>
			order.indexOf(a.store) - order.indexOf(b.store) ||
			a.expected - b.expected ||
			a.mode.localeCompare(b.mode),
	);
	const multiShape = new Set(rows.map((row) => `${row.clients}x${row.incrementsPerClient}`)).size > 1;
	const groups = [...new Set(sorted.map((row) => groupLabel(row, multiShape)))];
	const find = (group: string, mode: ContentionResult["mode"]) =>
		sorted.find((row) => groupLabel(row, multiShape) === group && row.mode === mode);

	const canvas = charts.canvas(
		"contention",
		"Lost updates as a share of all increments, naive and atomic, per store",
		{
			type: "bar",
			labels: groups,
			x: { title: "Store", scale: "category" },
			y: { title: "Lost updates (% of increments)", scale: "linear", format: "percent", min: 0 },
			series: [
				{
					label: "naive (read, then write)",
					color: "naive",
					values: groups.map((group) => lostShare(find(group, "naive"))),
				},
				{
					label: "atomic (store's technique)",
					color: "atomic",
					values: groups.map((group) => lostShare(find(group, "atomic"))),
				},
			],
		},
	);
	const table = dataTable({
		caption: "Lost updates: C clients × N increments on one key; lost = C·N − final value",
		head: [
			"Store",
			"Mode",
			"Clients (C)",
			"Increments each (N)",
			"Expected",
			"Final",
			"Lost",
			"Lost %",
			"Attempts",
			"Retries",
			"Errors",
			"Duration (ms)",
		],
		rows: sorted.map((row): Cell[] => [
			storeLabel(row.store),
			row.mode,
			num(formatCount(row.clients)),
			num(formatCount(row.incrementsPerClient)),
			num(formatCount(row.expected)),
			num(
				row.final === null ? "read-back failed" : formatCount(row.final),
				row.final === null ? "warn" : undefined,
			),
			num(formatCount(row.lost), row.lost === null ? undefined : row.lost > 0 ? "bad" : "good"),
			num(row.lost === null || row.expected === 0 ? "—" : formatPercent(row.lost / row.expected)),
			num(formatCount(row.attempts)),
			num(formatCount(row.retries)),
			num(formatCount(row.errors), row.errors > 0 ? "bad" : undefined),
			num(formatMs(row.durationMs)),
		]),
	});
	return section(
		"contention",
		"Lost updates under contention",
		figure(
			canvas,
			"Lost updates, naive vs atomic",
			explanation(
				"C clients each add 1 to the same counter N times, so the final value should be C·N and every missing unit is a lost update. A naive read-then-write can lose updates on every store under contention; the atomic technique (inside the Durable Object, one SQL UPSERT in D1, an etag compare-and-swap loop in R2) must lose none, and KV and the Cache API have no atomic technique at all.",
				"durableObjects",
			),
			table,
		),
	);
}
