import { formatCount, formatMs, formatSignedMs } from "../format-numbers.ts";
import { type Cell, dataTable, notRun, num, section } from "../markup.ts";
import type { BenchResults } from "../results-schema.ts";
import { sortStores, storeLabel } from "../store-catalog.ts";
import { explanation } from "../workshop-chapters.ts";

function byStore<T extends { store: string }>(rows: T[]): T[] {
	const order = sortStores(rows.map((row) => row.store));
	return [...rows].sort((a, b) => order.indexOf(a.store) - order.indexOf(b.store));
}

/** Session guarantees (read-your-writes, monotonic reads) and session expiry punctuality. */
export function renderSessionBehaviour(results: BenchResults): string {
	const guarantees = results.sessionGuarantees
		? dataTable({
				caption: "Session guarantees: violations / checks per store",
				head: [
					"Store",
					"Read-your-writes checks",
					"Read-your-writes violations",
					"Monotonic-read checks",
					"Monotonic-read violations",
				],
				rows: byStore(results.sessionGuarantees).map((row): Cell[] => [
					storeLabel(row.store),
					num(formatCount(row.readYourWrites.checks)),
					num(formatCount(row.readYourWrites.violations), row.readYourWrites.violations > 0 ? "bad" : "good"),
					num(formatCount(row.monotonicReads.checks)),
					num(formatCount(row.monotonicReads.violations), row.monotonicReads.violations > 0 ? "bad" : "good"),
				]),
			})
		: notRun("read-your-writes / monotonic-reads section", results.source);
	const expiry = results.sessionExpiry
		? dataTable({
				caption: "Session expiry: when a session created with a TTL was first seen gone",
				head: ["Store", "TTL (s)", "Probes", "Gone after (ms)", "Error (ms, + late / − early)", "Note"],
				rows: byStore(results.sessionExpiry).map((row): Cell[] => [
					storeLabel(row.store),
					num(formatCount(row.ttlSeconds)),
					num(formatCount(row.probes)),
					num(row.expiredAfterMs === null ? "never seen gone" : formatMs(row.expiredAfterMs)),
					num(formatSignedMs(row.errorMs), row.errorMs !== null && row.errorMs < 0 ? "bad" : undefined),
					row.note ?? "",
				]),
			})
		: notRun("session expiry section", results.source);
	return section(
		"sessions",
		"Session guarantees and expiry",
		`<h3>Read-your-writes and monotonic reads</h3>${explanation(
			"Each client reads back what it just wrote (read-your-writes) and checks it never sees a value older than one it already saw (monotonic reads). D1 gives both within a session when the Sessions API bookmark is passed along, while KV does not guarantee them across locations.",
			"d1",
		)}${guarantees}<h3>Session expiry</h3>${explanation(
			"Sessions are created with a TTL and probed around the moment they should disappear; the error is how late (+) or early (−) they actually went. KV enforces a 60-second minimum TTL; how each store expires sessions is listed by GET /api/stores.",
			"kv",
		)}${expiry}`,
	);
}
