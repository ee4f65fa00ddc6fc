import type { ContentionResult } from "../../report/results-schema.ts";
import type { Scenario, ScenarioContext } from "./scenario.ts";
import { type CallOutcome, StoreConnection } from "./store-connection.ts";

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
 * Per-request timeout here: R2's compare-and-swap loop may back off for many seconds under heavy
 * contention, and a client that gives up cannot tell whether its increment landed.
 */
const CONTENTION_TIMEOUT_MS = 30_000;
/** A `409 cas_exhausted` ("try again later") is retried by the client this many times. */
const CLIENT_RETRIES = 5;

/**
 * One lost-updates measurement: C clients (one connection each) send N increments each to one fresh
 * key in `mode`, then the final value is read back separately. An increment answered
 * `409 cas_exhausted` did not happen, so the client retries it like a real client would (its attempts
 * count as retries). Null when the run was aborted.
 */
export async function measureContention(
	context: ScenarioContext,
	store: string,
	mode: "naive" | "atomic",
): Promise<ContentionResult | null> {
	const { clients, incrementsPerClient } = context.profile.consistency.contention;
	const key = `${context.runPrefix}-contention-${store}-${mode}`;
	context.cleanup.counter(store, key);
	const connection = new StoreConnection(context.target.origin, {
		connections: clients,
		headers: context.client.headers,
		timeoutMs: Math.max(context.profile.timeoutMs, CONTENTION_TIMEOUT_MS),
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
					let outcome: CallOutcome;
					for (let retry = 0; ; retry++) {
						outcome = await connection.call(
							"POST",
							`/api/${store}/counters/${key}/increment?mode=${mode}`,
							{ by: 1 },
							{},
							context.signal,
						);
						tickRequests++;
						if (!isCasExhausted(outcome) || retry === CLIENT_RETRIES) break;
						tally.attempts += attemptsOf(outcome);
					}
					if (outcome.kind === "answered" && outcome.status >= 200 && outcome.status < 300) {
						tally.succeeded++;
						tally.attempts += attemptsOf(outcome);
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
	if (context.signal.aborted) return null;
	const readBack = await context.client.call(
		"GET",
		`/api/${store}/counters/${key}`,
		undefined,
		context.signal,
	);
	const value = (readBack.body as { value?: unknown } | null)?.value;
	if (readBack.status === 200 && (value === null || Number.isSafeInteger(value))) {
		tally.final = (value as number | null) ?? 0;
	} else {
		context.reportError({
			scenario: "contention",
			store,
			kind: "read_back_failed",
			message: `GET ${key} answered ${readBack.status} after the contention run`,
		});
	}
	if (firstError !== null && tally.succeeded > 0) {
		context.progress.note(
			`contention ${store} ${mode}: ${tally.errors} increments failed, first: ${firstError}`,
		);
	}
	if (tally.succeeded === 0) {
		context.reportError({
			scenario: "contention",
			store,
			kind: "all_requests_failed",
			message: firstError ?? "every increment failed",
		});
	}
	return {
		store,
		mode,
		clients,
		incrementsPerClient,
		...contentionFigures(tally),
		durationMs: Math.round(durationMs * 10) / 10,
		errors: tally.errors,
	};
}

/** The `attempts` an answer reports (1 when it does not say). */
function attemptsOf(outcome: CallOutcome): number {
	if (outcome.kind !== "answered") return 1;
	const body = outcome.body as { attempts?: unknown; error?: { attempts?: unknown } } | null;
	const attempts = body?.attempts ?? body?.error?.attempts;
	return typeof attempts === "number" ? attempts : 1;
}

function isCasExhausted(outcome: CallOutcome): boolean {
	return (
		outcome.kind === "answered" &&
		outcome.status === 409 &&
		(outcome.body as { error?: { code?: unknown } } | null)?.error?.code === "cas_exhausted"
	);
}

/**
 * lost updates: {@link measureContention} in `naive` mode on every store and in `atomic` mode where
 * the store supports it.
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
				context.progress.begin({
					scenario: "contention",
					store: store.name,
					detail: `${mode}, ${clients}×${incrementsPerClient}`,
				});
				const row = await measureContention(context, store.name, mode);
				if (!row) return;
				rows.push(row);
				context.progress.end(
					`expected ${row.expected}  final ${row.final ?? "?"}  lost ${row.lost ?? "?"}  retries ${row.retries}  errors ${row.errors}`,
				);
			}
		}
	},
};
