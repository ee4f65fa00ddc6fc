import type { LatencyOperation, LatencyResult, PercentileSummary } from "../../report/results-schema.ts";
import type { LatencyPercentiles } from "../load/latency-histogram.ts";
import { type LoadRequest, runLoad } from "../load/load-engine.ts";
import type { ApiStoreTraits } from "../target/target-client.ts";
import type { Scenario, ScenarioContext } from "./scenario.ts";

/**
 * One measured operation, as data: which stores it applies to, what to prepare, which request to send.
 * The generic runner below turns each into a scenario over every selected store and concurrency level.
 */
export interface LatencyOperationSpec {
	operation: LatencyOperation;
	description: string;
	/** False for `health`, which touches no store. */
	perStore: boolean;
	/** Writes are paced in production (per-key write limits). */
	writes: boolean;
	/** Why this store cannot run the operation, or null when it can. */
	unsupported?(traits: ApiStoreTraits): string | null;
	/** Create what the requests need (counters to read, sessions to read); returns ids the requests use. */
	prepare?(context: ScenarioContext, store: ApiStoreTraits, keys: string[]): Promise<string[]>;
	/** The request with sequence number `seq`; `ids` are the prepared ids or the keys to spread over. */
	request(
		store: string,
		seq: number,
		ids: string[],
		context: ScenarioContext,
		traits: ApiStoreTraits | null,
	): LoadRequest;
	/** Remember what a successful response created, for clean-up. */
	created?(context: ScenarioContext, store: string, status: number, body: string): void;
}

const pick = (ids: string[], seq: number) => ids[seq % ids.length] as string;

/** TTL for sessions the bench creates: the store's minimum, at least a minute, so reads never race expiry. */
function sessionTtl(traits: ApiStoreTraits | null): number {
	const ttl = traits?.ttl ?? { minSeconds: 60, maxSeconds: 86_400 };
	return Math.min(ttl.maxSeconds, Math.max(ttl.minSeconds, 60));
}

/** Run `work` over `items` with at most `limit` in flight. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < items.length) await work(items[next++] as T);
	};
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The latency operations the bench measures, per store. */
export const LATENCY_OPERATIONS: LatencyOperationSpec[] = [
	{
		operation: "health",
		description: "GET /api/health: the round trip without any store (baseline)",
		perStore: false,
		writes: false,
		request: () => ({ method: "GET", path: "/api/health" }),
	},
	{
		operation: "counter-read",
		description: "GET a counter that exists",
		perStore: true,
		writes: false,
		async prepare(context, store, keys) {
			await eachLimited(keys, 8, async (key) => {
				await context.client.expectOk(
					"PUT",
					`/api/${store.name}/counters/${key}`,
					{ value: 1 },
					context.signal,
				);
				context.cleanup.counter(store.name, key);
			});
			return keys;
		},
		request: (store, seq, keys) => ({ method: "GET", path: `/api/${store}/counters/${pick(keys, seq)}` }),
	},
	{
		operation: "increment-atomic",
		description: "POST …/increment?mode=atomic: the store's correct technique",
		perStore: true,
		writes: true,
		unsupported: (traits) =>
			traits.atomicIncrement.supported
				? null
				: `no atomic increment (${traits.atomicIncrement.technique ?? "unsupported"})`,
		request: (store, seq, keys, context) => {
			const key = pick(keys, seq);
			context.cleanup.counter(store, key);
			return {
				method: "POST",
				path: `/api/${store}/counters/${key}/increment?mode=atomic`,
				body: '{"by":1}',
			};
		},
	},
	{
		operation: "increment-naive",
		description: "POST …/increment?mode=naive: read, then write, from the Worker",
		perStore: true,
		writes: true,
		request: (store, seq, keys, context) => {
			const key = pick(keys, seq);
			context.cleanup.counter(store, key);
			return { method: "POST", path: `/api/${store}/counters/${key}/increment?mode=naive`, body: '{"by":1}' };
		},
	},
	{
		operation: "session-create",
		description: "POST …/sessions with a small JSON document",
		perStore: true,
		writes: true,
		request: (store, seq, _keys, context, traits) => ({
			method: "POST",
			path: `/api/${store}/sessions`,
			body: JSON.stringify({ data: { run: context.runPrefix, n: seq }, ttlSeconds: sessionTtl(traits) }),
		}),
		created(context, store, status, body) {
			if (status !== 201) return;
			const id = (JSON.parse(body) as { id?: unknown }).id;
			if (typeof id === "string") context.cleanup.session(store, id);
		},
	},
	{
		operation: "session-read",
		description: "GET a live session",
		perStore: true,
		writes: false,
		async prepare(context, store) {
			const ids: string[] = [];
			const slots = Array.from({ length: context.profile.sessionsToRead }, (_, n) => n);
			await eachLimited(slots, 8, async (n) => {
				const answer = await context.client.expectOk(
					"POST",
					`/api/${store.name}/sessions`,
					{ data: { run: context.runPrefix, n }, ttlSeconds: sessionTtl(store) },
					context.signal,
				);
				const id = (answer.body as { id: string }).id;
				context.cleanup.session(store.name, id);
				ids.push(id);
			});
			return ids;
		},
		request: (store, seq, ids) => ({ method: "GET", path: `/api/${store}/sessions/${pick(ids, seq)}` }),
	},
];

function summary(p: LatencyPercentiles): PercentileSummary {
	return { p50: p.p50, p90: p.p90, p99: p.p99, p999: p.p999, max: p.max, mean: p.mean };
}

const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`;

/** Paced (production write) steps run long enough to measure at least this many requests. */
const MIN_PACED_SAMPLES = 20;

/** One store's part of an operation: the keys it spreads over and the load levels it runs at. */
interface StorePlan {
	store: ApiStoreTraits | null;
	keyCount: number;
	loads: { connections: number; rate?: number; durationMs: number }[];
}

/** What one operation runs on this target: per store, its keys and load levels. */
function plan(spec: LatencyOperationSpec, context: ScenarioContext): StorePlan[] {
	const stores: (ApiStoreTraits | null)[] = spec.perStore ? context.stores : [null];
	const plans: StorePlan[] = [];
	const levels = context.profile.connectionLevels;
	for (const store of stores) {
		const reason = store && spec.unsupported?.(store);
		if (store && reason) {
			context.progress.note(`${spec.operation} skips ${store.name}: ${reason}`);
			continue;
		}
		const perKeyLimit = store?.limits?.writesPerSecondPerKey ?? null;
		if (context.target.kind === "production" && spec.writes) {
			// Respect per-key write limits: a fixed arrival rate spread over enough keys
			// that each key sees at most half its documented limit.
			const rate = context.profile.productionWriteRate;
			const keyCount = perKeyLimit ? Math.ceil((rate / perKeyLimit) * 2) : rate;
			// Long enough for at least MIN_PACED_SAMPLES measured requests at that rate.
			const durationMs = Math.max(context.profile.durationMs, (MIN_PACED_SAMPLES / rate) * 1000);
			plans.push({ store, keyCount, loads: [{ connections: Math.max(...levels), rate, durationMs }] });
			continue;
		}
		// About one key per connection: this measures latency, not contention on one key.
		plans.push({
			store,
			keyCount: Math.max(4, ...levels),
			loads: levels.map((connections) => ({ connections, durationMs: context.profile.durationMs })),
		});
	}
	return plans;
}

/** Turn an operation spec into a scenario over every selected store and concurrency level. */
export function latencyScenario(spec: LatencyOperationSpec): Scenario {
	return {
		name: spec.operation,
		description: spec.description,
		async run(context, results) {
			const latency: LatencyResult[] = results.latency ?? [];
			results.latency = latency;
			for (const storePlan of plan(spec, context)) {
				if (context.signal.aborted) return;
				const storeName = storePlan.store?.name ?? null;
				const keys = Array.from(
					{ length: storePlan.keyCount },
					(_, i) => `${context.runPrefix}-${spec.operation}-${storeName ?? "none"}-${i}`,
				);
				let ids = keys;
				if (spec.prepare && storePlan.store) {
					try {
						ids = await spec.prepare(context, storePlan.store, keys);
					} catch (error) {
						if (context.signal.aborted) return;
						context.reportError({
							scenario: spec.operation,
							store: storeName ?? undefined,
							kind: "prepare_failed",
							message: error instanceof Error ? error.message : String(error),
						});
						continue;
					}
				}
				for (const step of storePlan.loads) {
					if (context.signal.aborted) return;
					context.progress.begin({
						scenario: spec.operation,
						store: storeName,
						detail: step.rate ? `${step.rate} req/s` : `${step.connections} conn`,
					});
					const created = spec.created;
					const result = await runLoad({
						origin: context.target.origin,
						request: (seq) => spec.request(storeName ?? "", seq, ids, context, storePlan.store),
						connections: step.connections,
						ratePerSecond: step.rate,
						warmupMs: context.profile.warmupMs,
						durationMs: step.durationMs,
						timeoutMs: context.profile.timeoutMs,
						headers: context.client.headers,
						serverTimingMetric: spec.perStore ? "store" : undefined,
						onBody:
							created && storeName && !context.target.embedded
								? (status, body) => created(context, storeName, status, body)
								: undefined,
						onSecond: (p) =>
							context.progress.tick({ requests: p.requests, errors: p.errors, rps: p.requests }),
						signal: context.signal,
					});
					context.reportGenerator(result.generator);
					const p = result.latency.percentiles;
					const entry: LatencyResult = {
						scenario: spec.operation,
						store: storeName,
						operation: spec.operation,
						model: result.model,
						connections: result.connections,
						durationS: result.durationS,
						warmupS: result.warmupS,
						requests: result.requests,
						errors: { total: result.errors, byKind: result.errorsByKind },
						rps: result.rps,
						latencyUs: summary(p),
						histogram: result.latency.encoded,
						timeline: result.timeline,
					};
					if (result.ratePerSecond !== null) entry.rate = result.ratePerSecond;
					if (result.uncorrectedLatency) {
						entry.uncorrectedLatencyUs = summary(result.uncorrectedLatency.percentiles);
						entry.uncorrectedHistogram = result.uncorrectedLatency.encoded;
					}
					if (result.serverTiming) entry.storeTimeUs = summary(result.serverTiming.percentiles);
					if (result.schedule) {
						entry.lateStarts = result.schedule.late;
						entry.droppedStarts = result.schedule.dropped;
					}
					latency.push(entry);
					if (result.colo) context.reportColo(result.cfRay, result.colo);
					if (result.requests > 0 && result.ok === 0 && !result.aborted) {
						context.reportError({
							scenario: spec.operation,
							store: storeName ?? undefined,
							kind: "all_requests_failed",
							message: result.errorSamples[0] ?? "every request failed",
						});
					}
					const storeTime = result.serverTiming
						? `  store p50 ${ms(result.serverTiming.percentiles.p50)}`
						: "";
					context.progress.end(
						`${result.rps.toFixed(0)} req/s  p50 ${ms(p.p50)}  p99 ${ms(p.p99)}${storeTime}  errors ${result.errors}`,
					);
					if (result.aborted) return;
				}
			}
		},
	};
}
