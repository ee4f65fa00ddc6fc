import { formatCount, formatMs, formatSignedMs, formatUsAsMs } from "../format-numbers.ts";
import { escapeHtml } from "../html.ts";
import { type Cell, dataTable, K6_NOT_RUN, section, type Tone } from "../markup.ts";
import type { BenchResults, LatencyOperation, LatencyResult } from "../results-schema.ts";
import { consistencyModel, storeLabel, storesInResults } from "../store-catalog.ts";
import { explanation } from "../workshop-chapters.ts";

function notRunCell(results: BenchResults): Cell {
	return results.source === "k6"
		? { html: '<span class="muted">not run</span>', title: K6_NOT_RUN }
		: { html: '<span class="muted">not run</span>' };
}

function text(value: string, tone?: Tone, title?: string): Cell {
	return { html: escapeHtml(value), numeric: true, tone, title };
}

/** The latency row a summary uses for a store and operation: closed model, fewest connections. */
export function representativeLatency(
	results: BenchResults,
	store: string,
	operation: LatencyOperation,
): LatencyResult | undefined {
	const rows = (results.latency ?? []).filter((row) => row.store === store && row.operation === operation);
	return rows.sort(
		(a, b) => Number(a.model === "open") - Number(b.model === "open") || a.connections - b.connections,
	)[0];
}

function contentionCell(results: BenchResults, store: string, mode: "naive" | "atomic"): Cell {
	if (!results.contention) return notRunCell(results);
	const rows = results.contention.filter((row) => row.store === store && row.mode === mode);
	const row = rows.sort((a, b) => b.expected - a.expected)[0];
	if (!row) {
		const unsupported = results.stores?.find((traits) => traits.name === store)?.atomicIncrement === false;
		return { html: `<span class="muted">${unsupported ? "not supported" : "n/a"}</span>`, numeric: true };
	}
	if (row.lost === null) return text("read-back failed", "warn");
	return text(
		`${formatCount(row.lost)} / ${formatCount(row.expected)}`,
		row.lost > 0 ? "bad" : "good",
		`${row.clients} clients × ${row.incrementsPerClient} increments`,
	);
}

function linearizableCell(results: BenchResults, store: string): Cell {
	if (!results.linearizability) return notRunCell(results);
	const rows = results.linearizability.filter((row) => row.store === store);
	if (rows.length === 0) return { html: '<span class="muted">n/a</span>' };
	const verdict = rows.some((row) => row.verdict === "illegal")
		? "illegal"
		: rows.some((row) => row.verdict === "unknown")
			? "unknown"
			: "ok";
	return {
		html: escapeHtml(verdict),
		tone: verdict === "ok" ? "good" : verdict === "illegal" ? "bad" : "warn",
	};
}

function guaranteeCell(
	results: BenchResults,
	store: string,
	which: "readYourWrites" | "monotonicReads",
): Cell {
	if (!results.sessionGuarantees) return notRunCell(results);
	const row = results.sessionGuarantees.find((entry) => entry.store === store);
	if (!row) return { html: '<span class="muted">n/a</span>', numeric: true };
	const { checks, violations } = row[which];
	return text(`${formatCount(violations)} / ${formatCount(checks)}`, violations > 0 ? "bad" : "good");
}

function visibilityCell(results: BenchResults, store: string): Cell {
	if (!results.visibility) return notRunCell(results);
	const row = results.visibility.find((entry) => entry.store === store);
	if (!row) return { html: '<span class="muted">n/a</span>', numeric: true };
	if (!row.timeToVisibleMs) return text("never visible", "bad");
	return text(
		`${formatMs(row.timeToVisibleMs.p50)} / ${formatMs(row.timeToVisibleMs.p99)}`,
		row.notVisible > 0 ? "warn" : undefined,
	);
}

function expiryCell(results: BenchResults, store: string): Cell {
	if (!results.sessionExpiry) return notRunCell(results);
	const row = results.sessionExpiry.find((entry) => entry.store === store);
	if (!row) return { html: '<span class="muted">n/a</span>', numeric: true };
	if (row.errorMs === null) return text("not observed", "warn", row.note);
	const direction = row.errorMs > 0 ? " late" : row.errorMs < 0 ? " early" : "";
	return text(`${formatSignedMs(row.errorMs)} ms${direction}`, row.errorMs < 0 ? "bad" : undefined, row.note);
}

function latencyCell(results: BenchResults, store: string, operations: LatencyOperation[]): Cell {
	if (!results.latency) return notRunCell(results);
	for (const operation of operations) {
		const row = representativeLatency(results, store, operation);
		if (row) {
			const suffix =
				operations.length > 1 && operation !== operations[0] ? '<br><span class="muted">naive</span>' : "";
			return {
				html: `${escapeHtml(`${formatUsAsMs(row.latencyUs.p50)} / ${formatUsAsMs(row.latencyUs.p99)}`)}${suffix}`,
				numeric: true,
				title: `${operation}, ${row.model} model, ${row.connections} connections`,
			};
		}
	}
	return { html: '<span class="muted">n/a</span>', numeric: true };
}

/** The headline of a consistency model (up to the first colon or semicolon); the full text is in the store table. */
function modelCell(results: BenchResults, store: string): Cell {
	const model = consistencyModel(results, store);
	if (model === null) return { html: '<span class="muted">—</span>' };
	const headline = model.split(/[:;]/)[0]?.trim() || model;
	return { html: `<span class="model">${escapeHtml(headline)}</span>`, title: model };
}

function yesNo(value: boolean | undefined): Cell {
	return value === undefined ? { html: '<span class="muted">—</span>' } : value ? "yes" : "no";
}

function storeTraitsTable(results: BenchResults): string {
	const traits = results.stores;
	if (!traits || traits.length === 0) return "";
	const table = dataTable({
		caption: "What each store promises, as GET /api/stores reported it during the run",
		head: ["Store", "Consistency model", "Atomic increment", "Compare-and-swap"],
		rows: traits.map((entry): Cell[] => [
			storeLabel(entry.name),
			entry.consistencyModel,
			yesNo(entry.atomicIncrement),
			yesNo(entry.compareAndSwap),
		]),
	});
	return `<details class="numbers"><summary>Consistency models in full</summary>${table}</details>`;
}

export const SCORECARD_COLUMNS = [
	"Store",
	"Consistency model",
	"Lost updates, naive",
	"Lost updates, atomic",
	"Linearizable",
	"Read-your-writes violations",
	"Monotonic-read violations",
	"t-visibility p50 / p99 ms",
	"Session expiry error",
	"Read p50 / p99 ms",
	"Write p50 / p99 ms",
] as const;

/** The scorecard cells of one store (without the store name), shared with the comparison. */
export function scorecardCells(results: BenchResults, store: string): Cell[] {
	return [
		modelCell(results, store),
		contentionCell(results, store, "naive"),
		contentionCell(results, store, "atomic"),
		linearizableCell(results, store),
		guaranteeCell(results, store, "readYourWrites"),
		guaranteeCell(results, store, "monotonicReads"),
		visibilityCell(results, store),
		expiryCell(results, store),
		latencyCell(results, store, ["counter-read"]),
		latencyCell(results, store, ["increment-atomic", "increment-naive"]),
	].map((cell) => (typeof cell === "string" ? { html: cell } : cell));
}

/** The store × question table at the top of the report. */
export function renderScorecard(results: BenchResults): string {
	const stores = storesInResults(results);
	if (stores.length === 0)
		return section(
			"scorecard",
			"Scorecard",
			'<p class="not-run"><strong>Not run.</strong> No store was measured.</p>',
		);
	const rows = stores.map((store) => [
		{ html: `${escapeHtml(storeLabel(store))}<br><code>${escapeHtml(store)}</code>` },
		...scorecardCells(results, store),
	]);
	const table = dataTable({
		caption: "Scorecard: one row per store. Lost updates and violations are shown as count / total.",
		head: [...SCORECARD_COLUMNS],
		rows,
		className: "scorecard",
	});
	return section(
		"scorecard",
		"Scorecard",
		explanation(
			"One row per store and one column per question the bench asks; every cell summarises a detailed section further down. Red marks a lost update, a violation or a failed check — for naive read-then-write that is the lesson, not a bug.",
			"setup",
		) +
			table +
			storeTraitsTable(results) +
			(results.source === "k6"
				? `<p class="note">Consistency columns: ${escapeHtml(K6_NOT_RUN)}. Run <code>npm run bench</code> against the same target for them.</p>`
				: "") +
			`<p class="note">Latency cells use the closed-model row with the fewest connections. Hover a cell for the exact scenario.</p>`,
	);
}
