import type { ContentionResult } from "../../report/results-schema.ts";
import type { Scenario } from "./scenario.ts";
import { StoreConnection } from "./store-connection.ts";

/** What one contention run counted on the client side. */
export interface ContentionTally {
	clients: number;
	incrementsPerClient: number;
	/** Sum of the `attempts` fields of successful answers (R2's CAS loop retries inside one request). */
	attempts: number;
	/** Increments answered 2xx. */
	succeeded: number;
	/** Increments that failed: error status, timeout or dropped connection. */
	errors: number;
	/** The value read back after every client finished; null when the read-back failed. */
	final: number | null;
}

/**
 * The lost-update arithmetic (DESIGN.md): `expected = C·N`, `lost = expected − final`, and
 * `retries = attempts − succeeded` (extra write attempts a compare-and-swap loop needed).
 */
export function contentionFigures(
	tally: ContentionTally,
): Pick<ContentionResult, "expected" | "final" | "lost" | "attempts" | "retries"> {
	const expected = tally.clients * tally.incrementsPerClient;
	return {
		expected,
		final: tally.final,
		lost: tally.final === null ? null : expected - tally.final,
		attempts: tally.attempts,
		retries: Math.max(0, tally.attempts - tally.succeeded),
	};
}

/**
 * lost updates: C clients (one connection each) send N increments each to one fresh key, in `naive`
 * mode on every store and in `atomic` mode where the store supports it. The final value is read
 * back separately once every client is done.
 */
export const contentionScenario: Scenario = {
	name: "contention",
	description: "lost updates: C clients × N increments on one key, naive and atomic",
	async run(context, results) {
		const { clients, incrementsPerClient } = context.profile.consistency.contention;
		const rows: ContentionResult[] = results.contention ?? [];
		results.contention = rows;
		for (const store of context.stores) {
			const modes = store.atomicIncrement.supported ? (["naive", "atomic"] as const) : (["naive"] as const);
			for (const mode of modes) {
				if (context.signal.aborted) return;
				const key = `${context.runPrefix}-contention-${store.name}-${mode}`;
				context.cleanup.counter(store.name, key);
				context.progress.begin({
					scenario: "contention",
					store: store.name,
					detail: `${mode}, ${clients}×${incrementsPerClient}`,
				});
				const connection = new StoreConnection(context.target.origin, {
					connections: clients,
					headers: context.client.headers,
					timeoutMs: context.profile.timeoutMs,
				});
				const tally: ContentionTally = {
					clients,
					incrementsPerClient,
					attempts: 0,
					succeeded: 0,
					errors: 0,
					final: null,
				};
				let firstError: string | null = null;
				const started = performance.now();
				let lastTick = started;
				let tickRequests = 0;
				try {
					await Promise.all(
						Array.from({ length: clients }, async () => {
							for (let i = 0; i < incrementsPerClient && !context.signal.aborted; i++) {
								const outcome = await connection.call(
									"POST",
									`/api/${store.name}/counters/${key}/increment?mode=${mode}`,
									{ by: 1 },
									{},
									context.signal,
								);
								tickRequests++;
								const body = outcome.kind === "answered" ? (outcome.body as { attempts?: unknown }) : null;
								if (outcome.kind === "answered" && outcome.status >= 200 && outcome.status < 300) {
									tally.succeeded++;
									tally.attempts += typeof body?.attempts === "number" ? body.attempts : 1;
								} else {
									tally.errors++;
									firstError ??=
										outcome.kind === "lost"
											? outcome.reason
											: `HTTP ${outcome.status}: ${JSON.stringify(outcome.body).slice(0, 200)}`;
								}
								const now = performance.now();
								if (now - lastTick >= 1000) {
									context.progress.tick({ requests: tickRequests, errors: tally.errors, rps: tickRequests });
									tickRequests = 0;
									lastTick = now;
								}
							}
						}),
					);
				} finally {
					await connection.close();
				}
				const durationMs = performance.now() - started;
				if (context.signal.aborted) return;
				const readBack = await context.client.call(
					"GET",
					`/api/${store.name}/counters/${key}`,
					undefined,
					context.signal,
				);
				const value = (readBack.body as { value?: unknown } | null)?.value;
				if (readBack.status === 200 && (value === null || Number.isSafeInteger(value))) {
					tally.final = (value as number | null) ?? 0;
				} else {
					context.reportError({
						scenario: "contention",
						store: store.name,
						kind: "read_back_failed",
						message: `GET ${key} answered ${readBack.status} after the contention run`,
					});
				}
				const figures = contentionFigures(tally);
				rows.push({
					store: store.name,
					mode,
					clients,
					incrementsPerClient,
					...figures,
					durationMs: Math.round(durationMs * 10) / 10,
					errors: tally.errors,
				});
				if (tally.succeeded === 0) {
					context.reportError({
						scenario: "contention",
						store: store.name,
						kind: "all_requests_failed",
						message: firstError ?? "every increment failed",
					});
				}
				context.progress.end(
					`expected ${figures.expected}  final ${figures.final ?? "?"}  lost ${figures.lost ?? "?"}  retries ${figures.retries}  errors ${tally.errors}`,
				);
			}
		}
	},
};
