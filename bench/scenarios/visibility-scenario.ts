import type { VisibilityResult } from "../../report/results-schema.ts";
import type { Scenario, ScenarioContext } from "./scenario.ts";
import { type CallOutcome, pause, StoreConnection } from "./store-connection.ts";

/** Most points a CDF keeps (enough for a smooth curve, small enough for results.json). */
const MAX_CDF_POINTS = 50;
/** Pause between two polls of one reader. */
const POLL_GAP_MS = 2;

const LOCAL_NOTE =
	"local dev: one location and a strongly consistent local KV, so every store is visible at once here; KV's propagation delay between locations can only be measured against a production target (cross-location probes were skipped for the same reason)";

/**
 * The t-visibility CDF: for each distinct time-to-visible t (ms), the share of *all* samples visible
 * within t. Samples that never became visible count in `total` but never in the numerator, so the
 * curve then ends below 1. At most {@link MAX_CDF_POINTS} points, spread evenly over the samples.
 */
export function buildCdf(visibleMs: number[], total: number): Array<{ ms: number; fraction: number }> {
	if (total === 0 || visibleMs.length === 0) return [];
	const sorted = [...visibleMs].sort((a, b) => a - b);
	const points: Array<{ ms: number; fraction: number }> = [];
	const step = Math.max(1, Math.ceil(sorted.length / MAX_CDF_POINTS));
	for (let i = step - 1; i < sorted.length; i += step) {
		// Take the last sample of a run of equal times, so the fraction counts all of them.
		let j = i;
		while (j + 1 < sorted.length && sorted[j + 1] === sorted[i]) j++;
		const point = { ms: sorted[j] as number, fraction: (j + 1) / total };
		if (points.at(-1)?.ms === point.ms) points[points.length - 1] = point;
		else points.push(point);
		i = j;
	}
	const last = sorted.length - 1;
	if (points.at(-1)?.ms !== sorted[last])
		points.push({ ms: sorted[last] as number, fraction: sorted.length / total });
	return points;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const round2 = (ms: number) => Math.round(ms * 100) / 100;

function readValue(outcome: CallOutcome): number | null | undefined {
	if (outcome.kind !== "answered" || outcome.status !== 200) return undefined;
	const value = (outcome.body as { value?: unknown } | null)?.value;
	return value === null || Number.isSafeInteger(value) ? (value as number | null) : undefined;
}

/** Poll until a read returns `value` or newer; ms from `writtenUs` to the call of that read, or null. */
async function timeToVisible(
	reader: StoreConnection,
	path: string,
	value: number,
	writtenUs: number,
	timeoutMs: number,
	signal: AbortSignal,
): Promise<number | null> {
	while (!signal.aborted) {
		const outcome = await reader.call("GET", path, undefined, {}, signal);
		const seen = readValue(outcome);
		if (seen !== undefined && seen !== null && seen >= value)
			return Math.max(0, (outcome.callUs - writtenUs) / 1000);
		if ((outcome.callUs - writtenUs) / 1000 > timeoutMs) return null;
		await pause(POLL_GAP_MS, signal);
	}
	return null;
}

type ProbeLocations = NonNullable<VisibilityResult["locations"]>;

/** Production only: ask the Worker's regional probes when they see `value` (POST /api/probes/visibility). */
async function probeLocations(
	context: ScenarioContext,
	store: string,
	key: string,
	value: number,
): Promise<ProbeLocations | undefined> {
	const { regions, timeoutMs } = context.profile.consistency.visibility;
	const answer = await context.client.call(
		"POST",
		"/api/probes/visibility",
		{ store, key, value, regions, timeoutMs: Math.min(timeoutMs, 30_000) },
		context.signal,
	);
	const locations = (answer.body as { locations?: unknown } | null)?.locations;
	if (answer.status !== 200 || !Array.isArray(locations)) {
		context.reportError({
			scenario: "visibility",
			store,
			kind: "probes_failed",
			message: `POST /api/probes/visibility answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`,
		});
		return undefined;
	}
	return (locations as Array<{ region: string; colo: string | null; ms: number | null }>).map((l) => ({
		region: l.region,
		colo: l.colo,
		ms: l.ms,
	}));
}

/**
 * t-visibility: per store, a writer writes 1, 2, 3, … to one key; after each write returns, readers
 * on their own connections poll until they read that value (or newer). Time-to-visible is measured
 * from the write's return to the start of the first read that saw it, as a CDF per store. Against a
 * production target the Worker's regional probes also report when each region saw the first write.
 */
export const visibilityScenario: Scenario = {
	name: "visibility",
	description: "t-visibility: time until a write is visible to readers on other connections",
	async run(context, results) {
		const { writes, readers, timeoutMs } = context.profile.consistency.visibility;
		const rows: VisibilityResult[] = results.visibility ?? [];
		results.visibility = rows;
		const local = context.target.kind === "local";
		if (local)
			context.progress.note("visibility: cross-location probes skipped (local dev has one location)");
		for (const store of context.stores) {
			if (context.signal.aborted) return;
			const key = `${context.runPrefix}-visibility-${store.name}`;
			const path = `/api/${store.name}/counters/${key}`;
			context.cleanup.counter(store.name, key);
			context.progress.begin({
				scenario: "visibility",
				store: store.name,
				detail: `${writes} writes, ${readers} readers`,
			});
			const connection = () =>
				new StoreConnection(context.target.origin, {
					connections: 1,
					headers: context.client.headers,
					timeoutMs: context.profile.timeoutMs,
				});
			const writer = connection();
			const readerConnections = Array.from({ length: readers }, connection);
			// Production: stay within the store's per-key write rate (KV: one write per second).
			const perKey = store.limits?.writesPerSecondPerKey;
			const writeGapMs = !local && perKey ? Math.ceil(1000 / perKey) : 0;
			const visible: number[] = [];
			let samples = 0;
			let failedWrites = 0;
			let locations: ProbeLocations | undefined;
			try {
				for (let value = 1; value <= writes && !context.signal.aborted; value++) {
					const writeStarted = performance.now();
					const write = await writer.call("PUT", path, { value }, {}, context.signal);
					if (write.kind !== "answered" || write.status !== 200) {
						failedWrites++;
						continue;
					}
					const probes = !local && value === 1 ? probeLocations(context, store.name, key, value) : undefined;
					const seen = await Promise.all(
						readerConnections.map((reader) =>
							timeToVisible(reader, path, value, write.returnUs, timeoutMs, context.signal),
						),
					);
					locations ??= await probes;
					for (const ms of seen) {
						samples++;
						if (ms !== null) visible.push(round2(ms));
					}
					context.progress.tick({ requests: value, errors: failedWrites, rps: 0 });
					const wait = writeGapMs - (performance.now() - writeStarted);
					if (wait > 0) await pause(wait, context.signal);
				}
			} finally {
				await Promise.all([writer, ...readerConnections].map((c) => c.close()));
			}
			if (context.signal.aborted) return;
			const sorted = [...visible].sort((a, b) => a - b);
			const row: VisibilityResult = {
				store: store.name,
				samples,
				notVisible: samples - visible.length,
				timeToVisibleMs:
					sorted.length === 0
						? null
						: {
								p50: percentile(sorted, 50),
								p99: percentile(sorted, 99),
								max: sorted.at(-1) as number,
							},
				cdf: buildCdf(sorted, samples),
				...(locations ? { locations } : {}),
				...(local ? { note: LOCAL_NOTE } : {}),
			};
			rows.push(row);
			if (samples === 0) {
				context.reportError({
					scenario: "visibility",
					store: store.name,
					kind: "all_requests_failed",
					message: `all ${failedWrites} writes failed`,
				});
			}
			const t = row.timeToVisibleMs;
			context.progress.end(
				t
					? `p50 ${t.p50} ms  p99 ${t.p99} ms  max ${t.max} ms  not visible ${row.notVisible}/${samples}`
					: `not visible ${row.notVisible}/${samples}`,
			);
		}
	},
};
