import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { expect, it } from "vitest";
import { parseResults } from "../../report/results-schema.ts";
import { renderSummaryTable } from "./summary-table.ts";

const results = parseResults(
	JSON.parse(readFileSync(resolve(import.meta.dirname, "../../report/fixtures/full-local.json"), "utf8")),
);
// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes start with ESC
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "");

it("prints one aligned row per latency step, a consistency row per store, pub/sub and thresholds", () => {
	const lines = renderSummaryTable(results).split("\n").map(plain);
	const latency = results.latency ?? [];
	const header = lines.findIndex((l) => l.startsWith("operation"));
	const rows = lines.slice(header, header + 1 + latency.length);
	// Colour codes take no width: every row of the table is as wide as its header.
	expect(new Set(rows.map((r) => r.trimEnd().length)).size).toBeLessThanOrEqual(2);
	for (const [i, row] of latency.entries()) {
		const line = rows[i + 1] ?? "";
		expect(line.startsWith(row.operation)).toBe(true);
		expect(line).toContain(`${((row.latencyUs.p50 ?? 0) / 1000).toFixed(2)}`);
	}
	const consistency = lines.findIndex((l) => l.startsWith("store  lost naive"));
	expect(consistency).toBeGreaterThan(header);
	for (const store of results.stores?.map((s) => s.name) ?? []) {
		expect(lines.slice(consistency).some((l) => l.startsWith(`${store} `))).toBe(true);
	}
	if (results.pubsub)
		expect(lines.some((l) => l.startsWith(`pub/sub: ${results.pubsub?.subscribers} subscribers`))).toBe(true);
	for (const t of results.thresholds) expect(lines.some((l) => l.includes(`${t.name}: `))).toBe(true);
});
