// The one interface every state store implements.
//
// The lesson of this project is that five stores can offer the *same*
// operations — a counter and a session — and still behave very differently
// under concurrency, across locations and over time. So the routes in
// workers/routes/ are written once against this interface, and each backend
// (workers/stores/<name>/) decides how to keep the promise, or says honestly
// that it cannot (for example, KV has no atomic increment).

/** `atomic` uses the store's correct technique; `naive` reads, then writes, from the Worker. */
export type IncrementMode = "atomic" | "naive";

/** What `GET /api/stores` reports about a store, so a reader can compare them side by side. */
export interface StoreTraits {
	name: StoreName;
	/** Human name, e.g. "Durable Objects". */
	title: string;
	/** One-line consistency model, e.g. "eventually consistent, last write wins". */
	consistency: string;
	/** Whether `mode=atomic` increments are supported (and how). */
	atomicIncrement: { supported: boolean; technique: string };
	/** Whether `POST …/cas` is supported (and how). */
	compareAndSwap: { supported: boolean; technique: string };
	/** How session expiry works and the shortest TTL the store accepts. */
	ttl: { mechanism: string; minSeconds: number; maxSeconds: number };
	/** Documented size and rate limits that matter for this workload. */
	limits: { maxValueBytes: number; writesPerSecondPerKey: number | null; notes: string };
	/** What local `wrangler dev` cannot show about this store. */
	localDevCaveats: string[];
}

export type StoreName = "cache" | "kv" | "do" | "d1" | "r2";

/** Result of an increment: the new value and how many write attempts it took (1 unless a CAS loop retried). */
export interface IncrementResult {
	value: number;
	attempts: number;
}

/** Result of a compare-and-swap: whether it applied, and the value now stored (null when absent). */
export interface CasResult {
	ok: boolean;
	value: number | null;
}

/** A session as the API returns it. `expiresAt` is epoch milliseconds. */
export interface SessionRecord {
	id: string;
	data: Record<string, unknown>;
	expiresAt: number;
}

/** Fields a PATCH may change: `data` replaces, `ttlSeconds` restarts expiry from now. */
export interface SessionPatch {
	data?: Record<string, unknown>;
	ttlSeconds?: number;
}

/**
 * The counter and session operations every store offers.
 *
 * Implementations throw {@link StoreError} for conditions the API reports as
 * 4xx (unsupported mode, out-of-range result, CAS loop exhausted); anything
 * else they throw is a genuine store failure.
 */
export interface StateStore {
	readonly traits: StoreTraits;

	/** The counter's value, or null when the key is absent. */
	getCounter(key: string): Promise<number | null>;
	/** Overwrite the counter. */
	putCounter(key: string, value: number): Promise<number>;
	/** Add `by` (may be negative); an absent key starts from 0. */
	increment(key: string, by: number, mode: IncrementMode): Promise<IncrementResult>;
	/** Set to `value` only if the current value equals `expected` (null = absent). */
	compareAndSwap(key: string, expected: number | null, value: number): Promise<CasResult>;
	/** Remove the counter; deleting an absent key is not an error. */
	deleteCounter(key: string): Promise<void>;

	createSession(data: Record<string, unknown>, ttlSeconds: number): Promise<SessionRecord>;
	/** The live session, or null when absent or expired. */
	getSession(id: string): Promise<SessionRecord | null>;
	/** Apply a patch to a live session; null when absent or expired. */
	updateSession(id: string, patch: SessionPatch): Promise<SessionRecord | null>;
	/** Remove a session; deleting an absent session is not an error. */
	deleteSession(id: string): Promise<void>;

	/**
	 * Stores with a session-consistency token (D1's Sessions API bookmark)
	 * return the newest token after the operations above, so the route can
	 * hand it back to the client in `x-d1-bookmark`.
	 */
	consistencyToken?(): string | null;
}

/** Error codes a store may raise; the routes map each to its HTTP status. */
export type StoreErrorCode =
	| "unsupported_mode"
	| "out_of_range"
	| "cas_exhausted"
	| "ttl_out_of_range"
	| "invalid_bookmark";

/** A condition the client caused or must handle (mapped to a 4xx), not a store failure. */
export class StoreError extends Error {
	constructor(
		readonly code: StoreErrorCode,
		message: string,
		/** Extra fields for the error body, e.g. `attempts` for an exhausted CAS loop. */
		readonly details: Record<string, unknown> = {},
	) {
		super(message);
		this.name = "StoreError";
	}
}

/** Per-request context a store factory receives: the D1 bookmark the client sent, if any. */
export interface StoreRequestContext {
	bookmark: string | null;
}

/** Builds a store for one request from the Worker's bindings. */
export type StoreFactory = (env: Env, context: StoreRequestContext) => StateStore;

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Throw `out_of_range` unless `value` is a safe integer (shared by every backend's arithmetic). */
export function assertSafeResult(value: number): number {
	if (!Number.isSafeInteger(value)) {
		throw new StoreError(
			"out_of_range",
			`the result ${value} is outside the safe integer range (±${MAX_SAFE})`,
		);
	}
	return value;
}
