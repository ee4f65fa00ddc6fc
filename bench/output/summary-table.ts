import pc from "picocolors";
import type { BenchResults } from "../../report/results-schema.ts";

const ms = (us: number | undefined) => (us === undefined ? "-" : `${(us / 1000).toFixed(2)}`);

// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes start with ESC
const visibleLength = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "").length;

/** Lay out rows as aligned columns (numbers right-aligned) under a header; colour codes take no width. */
function table(header: string[], rows: string[][], numeric: boolean[]): string[] {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ""))));
	const pad = (cell: string, i: number) => " ".repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(cell)));
	const format = (cells: string[]) =>
		cells.map((cell, i) => (numeric[i] ? pad(cell, i) + cell : cell + pad(cell, i))).join("  ");
	return [pc.bold(format(header)), ...rows.map(format)];
}

/** One row per store with every consistency figure the run measured ("-" where not measured). */
function consistencyTable(results: BenchResults): string[] {
	const stores = new Set<string>();
	for (const section of [
		results.contention,
		results.linearizability,
		results.sessionGuarantees,
		results.visibility,
		results.sessionExpiry,
	]) {
		for (const row of section ?? []) stores.add(row.store);
	}
	if (stores.size === 0) return [];
	const lost = (store: string, mode: "naive" | "atomic") => {
		const row = results.contention?.find((r) => r.store === store && r.mode === mode);
		if (!row) return "-";
		const text = row.lost === null ? "?" : `${row.lost}/${row.expected}`;
		return row.lost ? pc.red(text) : text;
	};
	const rows = [...stores].map((store) => {
		const lin = results.linearizability?.find((r) => r.store === store)?.verdict;
		const guarantees = results.sessionGuarantees?.find((r) => r.store === store);
		const visible = results.visibility?.find((r) => r.store === store)?.timeToVisibleMs?.p99;
		const expiry = results.sessionExpiry?.find((r) => r.store === store)?.errorMs;
		return [
			store,
			lost(store, "naive"),
			lost(store, "atomic"),
			lin === undefined ? "-" : lin === "ok" ? lin : pc.red(lin),
			guarantees ? String(guarantees.readYourWrites.violations) : "-",
			guarantees ? String(guarantees.monotonicReads.violations) : "-",
			visible === undefined ? "-" : visible.toFixed(2),
			expiry === undefined || expiry === null ? "-" : `${expiry > 0 ? "+" : ""}${expiry}`,
		];
	});
	return [
		"",
		...table(
			[
				"store",
				"lost naive",
				"lost atomic",
				"linearizable",
				"RYW viol.",
				"monotonic viol.",
				"visible p99 ms",
				"expiry error ms",
			],
			rows,
			[false, true, true, false, true, true, true, true],
		),
	];
}

/** The final terminal summary: one row per latency step, a consistency row per store, pub/sub, thresholds, errors. */
export function renderSummaryTable(results: BenchResults): string {
	const lines: string[] = [];
	const latency = results.latency ?? [];
	if (latency.length > 0) {
		const rows = latency.map((r) => [
			r.operation,
			r.store ?? "-",
			r.model === "open" ? `${r.rate} req/s` : `${r.connections} conn`,
			r.rps.toFixed(0),
			ms(r.latencyUs.p50),
			ms(r.latencyUs.p99),
			ms(r.storeTimeUs?.p50),
			r.errors.total > 0 ? pc.red(String(r.errors.total)) : "0",
		]);
		lines.push(
			...table(["operation", "store", "load", "req/s", "p50 ms", "p99 ms", "store p50 ms", "errors"], rows, [
				false,
				false,
				false,
				true,
				true,
				true,
				true,
				true,
			]),
		);
	}
	lines.push(...consistencyTable(results));
	const pubsub = results.pubsub;
	if (pubsub) {
		lines.push(
			"",
			`pub/sub: ${pubsub.subscribers} subscribers, ${pubsub.messages} messages at ${pubsub.publishRate}/s: ` +
				`delivered ${pubsub.delivered}, lost ${pubsub.lost}, duplicates ${pubsub.duplicates}, out of order ${pubsub.outOfOrder}, ` +
				`p50 ${ms(pubsub.latencyUs.p50)} ms, p99 ${ms(pubsub.latencyUs.p99)} ms`,
		);
	}
	if (results.thresholds.length > 0) {
		lines.push("", pc.bold("thresholds"));
		for (const t of results.thresholds) {
			const mark = t.pass ? pc.green("pass") : pc.red("FAIL");
			lines.push(`  ${mark}  ${t.name}: ${t.actual ?? "n/a"} (limit ${t.limit}) — ${t.description}`);
		}
	}
	if (results.errors.length > 0) {
		lines.push("", pc.bold(pc.red("errors")));
		for (const e of results.errors) {
			const where = [e.scenario, e.store].filter(Boolean).join(" / ");
			lines.push(`  ${e.kind}${where ? ` (${where})` : ""}: ${e.message}`);
		}
	}
	return lines.join("\n");
}
