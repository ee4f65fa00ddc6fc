import { formatCount, formatMs } from "../format-numbers.ts";
import { escapeHtml } from "../html.ts";
import { type Cell, dataTable, notRun, num, section, type Tone } from "../markup.ts";
import type { BenchResults, LinearizabilityResult } from "../results-schema.ts";
import { sortStores, storeLabel } from "../store-catalog.ts";
import { explanation } from "../workshop-chapters.ts";

const VERDICT_TONE: Record<LinearizabilityResult["verdict"], Tone> = {
	ok: "good",
	illegal: "bad",
	unknown: "warn",
};

/** Linearizability section: one verdict per store and workload, with counterexamples. */
export function renderLinearizability(results: BenchResults): string {
	const rows = results.linearizability;
	if (!rows)
		return section("linearizability", "Linearizability", notRun("linearizability section", results.source));
	const order = sortStores(rows.map((row) => row.store));
	const sorted = [...rows].sort((a, b) => order.indexOf(a.store) - order.indexOf(b.store));
	const table = dataTable({
		caption: "Linearizability verdict per store and workload",
		head: [
			"Store",
			"Workload",
			"Operations",
			"Keys",
			"Clients",
			"Verdict",
			"History kept",
			"Checker time (ms)",
		],
		rows: sorted.map((row): Cell[] => [
			storeLabel(row.store),
			row.workload,
			num(formatCount(row.operations)),
			num(formatCount(row.keys)),
			num(formatCount(row.clients)),
			{ html: escapeHtml(row.verdict), tone: VERDICT_TONE[row.verdict] },
			num(
				row.history
					? `${formatCount(row.history.operations.length)} ops${row.history.truncated ? " (truncated)" : ""}`
					: "—",
			),
			num(formatMs(row.durationMs)),
		]),
	});
	const counterexamples = sorted
		.filter((row) => row.counterexample)
		.map(
			(row) =>
				`<div class="counterexample"><h3>${escapeHtml(storeLabel(row.store))} · ${escapeHtml(row.workload)}: no legal order exists</h3><pre>${escapeHtml(row.counterexample)}</pre></div>`,
		)
		.join("");
	// Stores without an atomic increment run the workload's increments naively (read, then write, from
	// the Worker): their illegal verdict is the lost update again, not a replication anomaly.
	const naive = sorted.filter(
		(row) =>
			row.verdict === "illegal" &&
			results.stores?.find((store) => store.name === row.store)?.atomicIncrement === false,
	);
	const naiveNote =
		naive.length > 0
			? `<p class="note">${naive.map((row) => escapeHtml(storeLabel(row.store))).join(" and ")} ${naive.length === 1 ? "has" : "have"} no atomic increment, so ${naive.length === 1 ? "its" : "their"} increments here are naive (read, then write, from the Worker). Two of them can read the same value and both write value + 1, which no sequential order explains: the verdict shows the lost updates of the contention section as a history, and would be illegal on a single machine too.</p>`
			: "";
	return section(
		"linearizability",
		"Linearizability",
		explanation(
			"Concurrent clients issued reads, writes, compare-and-swaps and increments, and every call and return time was recorded; the checker searches for one sequential order that respects real time (Wing–Gong/Lowe with memoization, as in Porcupine). ok means such an order exists, illegal means none does (the counterexample shows where), unknown means the search ran out of budget.",
			"measuring",
		) +
			table +
			naiveNote +
			counterexamples +
			'<p class="note">The kept history is embedded in this file\'s results JSON; save it and run <code>npm run check-history -- FILE</code> to check it again.</p>',
	);
}
