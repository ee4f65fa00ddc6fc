import pc from "picocolors";
import type { BenchResults } from "../../report/results-schema.ts";

const ms = (us: number | undefined) => (us === undefined ? "-" : `${(us / 1000).toFixed(2)}`);

/** Lay out rows as aligned columns (numbers right-aligned) under a header. */
function table(header: string[], rows: string[][], numeric: boolean[]): string[] {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
	const format = (cells: string[]) =>
		cells
			.map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
			.join("  ");
	return [pc.bold(format(header)), ...rows.map(format)];
}

/** The final terminal summary: one row per latency step, then pub/sub, thresholds and errors. */
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
