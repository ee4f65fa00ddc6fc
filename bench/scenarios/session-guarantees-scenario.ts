import type { SessionGuaranteesResult } from "../../report/results-schema.ts";
import type { Scenario, ScenarioContext } from "./scenario.ts";
import { type CallOutcome, pause, StoreConnection } from "./store-connection.ts";

/** D1's Sessions API bookmark header (DESIGN.md): a client sends back the newest one it saw. */
const BOOKMARK_HEADER = "x-d1-bookmark";

/**
 * One client session: its own connection, and the newest consistency token (D1 bookmark) it was
 * given, sent back with every request, as a D1 client using the Sessions API would.
 */
class ClientSession {
	#bookmark: string | undefined;
	constructor(
		readonly connection: StoreConnection,
		readonly context: ScenarioContext,
	) {}

	async call(method: string, path: string, body?: unknown): Promise<CallOutcome> {
		const headers: Record<string, string> = this.#bookmark ? { [BOOKMARK_HEADER]: this.#bookmark } : {};
		const outcome = await this.connection.call(method, path, body, headers, this.context.signal);
		if (outcome.kind === "answered") this.#bookmark = outcome.header(BOOKMARK_HEADER) ?? this.#bookmark;
		return outcome;
	}
}

/** The counter value of a 200 answer to a GET, or undefined when the read failed. */
function readValue(outcome: CallOutcome): number | null | undefined {
	if (outcome.kind !== "answered" || outcome.status !== 200) return undefined;
	const value = (outcome.body as { value?: unknown } | null)?.value;
	return value === null || Number.isSafeInteger(value) ? (value as number | null) : undefined;
}

/**
 * Tracks the highest value a reader has seen per key; a read returning less (or absent after a
 * value) is a monotonic-reads violation.
 */
export class MonotonicReadsTracker {
	readonly #highest = new Map<string, number>();
	checks = 0;
	violations = 0;

	/** Record a read of `key` that returned `value` (null = absent). */
	observe(key: string, value: number | null): void {
		this.checks++;
		const highest = this.#highest.get(key);
		if (highest !== undefined && (value === null || value < highest)) this.violations++;
		if (value !== null && (highest === undefined || value > highest)) this.#highest.set(key, value);
	}
}

/**
 * read-your-writes and monotonic reads: per store, writers each write 1, 2, 3, … to their own key and
 * read it straight back (a read returning anything else is a read-your-writes violation); readers on
 * other connections read the writers' keys round-robin while they write and track the highest value
 * seen per key (a lower one is a monotonic-reads violation). Every client sends back the D1 bookmark
 * it was last given.
 */
export const sessionGuaranteesScenario: Scenario = {
	name: "session-guarantees",
	description: "read-your-writes and monotonic reads: violation counts per store",
	async run(context, results) {
		const { writers, writesPerWriter, readers } = context.profile.consistency.sessionGuarantees;
		const rows: SessionGuaranteesResult[] = results.sessionGuarantees ?? [];
		results.sessionGuarantees = rows;
		for (const store of context.stores) {
			if (context.signal.aborted) return;
			const keys = Array.from(
				{ length: writers },
				(_, i) => `${context.runPrefix}-session-${store.name}-${i}`,
			);
			for (const key of keys) context.cleanup.counter(store.name, key);
			context.progress.begin({
				scenario: "session-guarantees",
				store: store.name,
				detail: `${writers} writers × ${writesPerWriter}, ${readers} readers`,
			});
			const open = () =>
				new ClientSession(
					new StoreConnection(context.target.origin, {
						connections: 1,
						headers: context.client.headers,
						timeoutMs: context.profile.timeoutMs,
					}),
					context,
				);
			const sessions = Array.from({ length: writers + readers }, open);
			const ryw = { checks: 0, violations: 0 };
			const monotonic = new MonotonicReadsTracker();
			let failed = 0;
			let writing = writers;
			try {
				// Production: stay within the store's per-key write rate (KV: one write per second).
				const perKey = store.limits?.writesPerSecondPerKey;
				const writeGapMs = context.target.kind === "production" && perKey ? Math.ceil(1000 / perKey) : 0;
				const writerRuns = keys.map(async (key, w) => {
					const session = sessions[w] as ClientSession;
					const path = `/api/${store.name}/counters/${key}`;
					try {
						for (let value = 1; value <= writesPerWriter && !context.signal.aborted; value++) {
							if (value > 1 && writeGapMs > 0) await pause(writeGapMs, context.signal);
							const write = await session.call("PUT", path, { value });
							if (write.kind !== "answered" || write.status !== 200) {
								failed++;
								continue;
							}
							const seen = readValue(await session.call("GET", path));
							if (seen === undefined) {
								failed++;
								continue;
							}
							ryw.checks++;
							if (seen !== value) ryw.violations++;
						}
					} finally {
						writing--;
					}
				});
				const readerRuns = Array.from({ length: readers }, async (_, r) => {
					const session = sessions[writers + r] as ClientSession;
					for (let n = r; writing > 0 && !context.signal.aborted; n++) {
						const key = keys[n % keys.length] as string;
						const seen = readValue(await session.call("GET", `/api/${store.name}/counters/${key}`));
						if (seen === undefined) failed++;
						else monotonic.observe(key, seen);
					}
				});
				await Promise.all([...writerRuns, ...readerRuns]);
			} finally {
				await Promise.all(sessions.map((s) => s.connection.close()));
			}
			if (context.signal.aborted) return;
			rows.push({
				store: store.name,
				readYourWrites: ryw,
				monotonicReads: { checks: monotonic.checks, violations: monotonic.violations },
			});
			if (ryw.checks === 0) {
				context.reportError({
					scenario: "session-guarantees",
					store: store.name,
					kind: "all_requests_failed",
					message: `no write could be read back (${failed} failed requests)`,
				});
			}
			context.progress.end(
				`read-your-writes ${ryw.violations}/${ryw.checks} violations  monotonic reads ${monotonic.violations}/${monotonic.checks}  failed ${failed}`,
			);
		}
	},
};
