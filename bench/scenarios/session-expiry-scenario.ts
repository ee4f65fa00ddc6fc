import type { SessionExpiryResult } from "../../report/results-schema.ts";
import type { ApiStoreTraits } from "../target/target-client.ts";
import type { Scenario, ScenarioContext } from "./scenario.ts";
import { monotonicUs, pause, StoreConnection } from "./store-connection.ts";

/** TTLs longer than this are probed in the background, beside the scenarios that follow. */
const BACKGROUND_TTL_SECONDS = 10;
/** Before the window around expiry, one probe this often at most (catches early expiry cheaply). */
const COARSE_PROBE_MS = 5000;
/** The fine-grained probing starts this long before the TTL is due. */
const EARLY_WINDOW_MS = 1000;

/**
 * Times of one probe run, in ms, taken so that the signs can be trusted: the session was created at
 * some moment during the create request, and each probe read it at some moment during its request.
 */
export interface ExpiryObservation {
	ttlSeconds: number;
	probes: number;
	/** From the create's answer to the start of the last probe that still found the session (its age was at least this); null if none did. */
	lastAliveMs: number | null;
	/**
	 * From the create's start to the answer of the first probe that found it gone (404): its age was at
	 * most this, so a value below the TTL is a definite early expiry. Null if it never went in the window.
	 */
	firstGoneMs: number | null;
	probeIntervalMs: number;
	lateWindowMs: number;
}

/** The session-expiry result row for one store: gone after how long, and how early (−) or late (+). */
export function expiryResult(store: string, seen: ExpiryObservation): SessionExpiryResult {
	const expiredAfterMs = seen.firstGoneMs === null ? null : Math.round(seen.firstGoneMs);
	const alive =
		seen.lastAliveMs === null ? "never seen alive" : `last seen alive at ${Math.round(seen.lastAliveMs)} ms`;
	const note =
		expiredAfterMs === null
			? `still there ${seen.lateWindowMs} ms after its TTL (${alive})`
			: `probed every ${seen.probeIntervalMs} ms near expiry; ${alive}; gone after = create start → answer of the first 404, so a negative error is a definite early expiry`;
	return {
		store,
		ttlSeconds: seen.ttlSeconds,
		probes: seen.probes,
		expiredAfterMs,
		errorMs: expiredAfterMs === null ? null : expiredAfterMs - seen.ttlSeconds * 1000,
		note,
	};
}

/**
 * Create a session with `ttlSeconds` and probe it until it is gone or `lateWindowMs` past the TTL:
 * coarsely up to a second before the TTL, then every `probeIntervalMs`. Returns null if the run
 * stopped or the session could not be created.
 */
async function observeExpiry(
	context: ScenarioContext,
	store: string,
	ttlSeconds: number,
): Promise<ExpiryObservation | null> {
	const { probeIntervalMs, lateWindowMs } = context.profile.consistency.sessionExpiry;
	const connection = new StoreConnection(context.target.origin, {
		connections: 1,
		headers: context.client.headers,
		timeoutMs: context.profile.timeoutMs,
	});
	try {
		const created = await connection.call(
			"POST",
			`/api/${store}/sessions`,
			{ data: { run: context.runPrefix, probe: "expiry" }, ttlSeconds },
			{},
			context.signal,
		);
		const id = created.kind === "answered" ? (created.body as { id?: unknown } | null)?.id : undefined;
		if (created.kind !== "answered" || created.status !== 201 || typeof id !== "string") {
			context.reportError({
				scenario: "session-expiry",
				store,
				kind: "prepare_failed",
				message:
					created.kind === "answered"
						? `POST /api/${store}/sessions answered ${created.status}: ${JSON.stringify(created.body).slice(0, 200)}`
						: created.reason,
			});
			return null;
		}
		context.cleanup.session(store, id);
		const sinceCreated = () => (monotonicUs() - created.callUs) / 1000;
		const ttlMs = ttlSeconds * 1000;
		const seen: ExpiryObservation = {
			ttlSeconds,
			probes: 0,
			lastAliveMs: null,
			firstGoneMs: null,
			probeIntervalMs,
			lateWindowMs,
		};
		while (!context.signal.aborted && sinceCreated() <= ttlMs + lateWindowMs) {
			const probe = await connection.call(
				"GET",
				`/api/${store}/sessions/${id}`,
				undefined,
				{},
				context.signal,
			);
			if (probe.kind === "answered") {
				seen.probes++;
				if (probe.status === 404) {
					seen.firstGoneMs = (probe.returnUs - created.callUs) / 1000;
					return seen;
				}
				if (probe.status === 200) seen.lastAliveMs = Math.max(0, (probe.callUs - created.returnUs) / 1000);
			}
			const now = sinceCreated();
			const fineFrom = ttlMs - EARLY_WINDOW_MS;
			const wait = now < fineFrom ? Math.min(COARSE_PROBE_MS, fineFrom - now) : probeIntervalMs;
			await pause(Math.max(probeIntervalMs, wait), context.signal);
		}
		return context.signal.aborted ? null : seen;
	} finally {
		await connection.close();
	}
}

/**
 * session expiry: per store, a session created with a short TTL (the store's minimum when that is
 * longer, e.g. KV's 60 s) is probed around its expiry; the result says when it was first seen gone
 * and how early or late that was. Runs first: long TTLs are probed in the background while the
 * other scenarios run, so KV's minute does not stretch the run.
 */
export const sessionExpiryScenario: Scenario = {
	name: "session-expiry",
	description: "session expiry: create with a short TTL, probe around expiry (long TTLs in the background)",
	async run(context, results) {
		const params = context.profile.consistency.sessionExpiry;
		const rows: SessionExpiryResult[] = results.sessionExpiry ?? [];
		results.sessionExpiry = rows;
		const ttlOf = (store: ApiStoreTraits) => Math.max(params.ttlSeconds, store.ttl.minSeconds);
		const probe = async (store: ApiStoreTraits) => {
			const seen = await observeExpiry(context, store.name, ttlOf(store));
			const row = seen ? expiryResult(store.name, seen) : null;
			if (row) rows.push(row);
			return row;
		};
		const describe = (row: SessionExpiryResult | null) =>
			!row || row.errorMs === null
				? `${row?.store ?? "?"} not seen gone`
				: `${row.store} ${row.errorMs >= 0 ? "+" : ""}${row.errorMs} ms`;
		const background: ApiStoreTraits[] = [];
		const foreground: ApiStoreTraits[] = [];
		for (const store of context.stores) {
			const ttl = ttlOf(store);
			if (ttl > params.maxTtlSeconds) {
				context.progress.note(
					`session-expiry skips ${store.name}: its minimum TTL (${ttl} s) is too long for this profile`,
				);
				rows.push({
					store: store.name,
					ttlSeconds: ttl,
					probes: 0,
					expiredAfterMs: null,
					errorMs: null,
					note: `not probed in the ${context.profile.name} profile: the store's minimum TTL of ${ttl} s exceeds its ${params.maxTtlSeconds} s budget (run --profile standard)`,
				});
			} else if (ttl > BACKGROUND_TTL_SECONDS) background.push(store);
			else foreground.push(store);
		}
		if (background.length > 0) {
			context.progress.note(
				`session-expiry: probing ${background.map((s) => `${s.name} (TTL ${ttlOf(s)} s)`).join(", ")} in the background`,
			);
			context.background(
				"session-expiry",
				Promise.all(
					background.map(async (store) => {
						const row = await probe(store);
						if (row) context.progress.note(`session-expiry: ${describe(row)} (${row.note})`);
					}),
				).then(() => undefined),
			);
		}
		if (foreground.length === 0) return;
		context.progress.begin({
			scenario: "session-expiry",
			store: null,
			detail: foreground.map((s) => `${s.name} ${ttlOf(s)} s`).join(", "),
		});
		const done = await Promise.all(foreground.map(probe));
		context.progress.end(done.map(describe).join("  "));
	},
};
