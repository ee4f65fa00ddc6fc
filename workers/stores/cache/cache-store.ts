// The Cache API: a per-data-center HTTP cache, used here as a (bad) database.
//
// `caches.open(...)` hands the Worker the cache of the data center that runs
// the request, and nothing more. A value put in Tokyo does not exist in
// Frankfurt; nothing is ever replicated, and the cache may evict anything at
// any time. It is built for responses you can fetch again, not for state you
// cannot lose. We still offer the same counter and session operations on top
// of it, because seeing *why* it is the wrong tool is the lesson.
//
// The cache speaks HTTP, so keys are synthetic URLs
// (https://state-lab.internal/counters/<key>) and values are Responses. There
// is no conditional put and no atomic read-modify-write: an increment reads
// the cached response, adds, and puts a new one. Two concurrent increments
// both read the same value, and one is lost.
//
// Expiry is HTTP's own: `Cache-Control: max-age=<ttl>` tells the cache when to
// drop a session. The cache may keep it a little longer or evict it sooner, so
// we also store `expiresAt` in the body and check it on every read.
//
// One more trap, from the Cloudflare docs: on *.workers.dev (and in the
// dashboard editor and playground) Cache API calls have no effect at all in
// production; only Workers on a custom domain get a working cache.

import {
	assertSafeResult,
	type CasResult,
	type IncrementMode,
	type IncrementResult,
	type SessionPatch,
	type SessionRecord,
	type StateStore,
	StoreError,
	type StoreTraits,
} from "../state-store.ts";

/** The named cache every operation uses. */
export const CACHE_NAME = "state-lab";

/** Counters have no natural expiry; ask the cache to keep them for a year (it may evict them sooner). */
const COUNTER_MAX_AGE_SECONDS = 31_536_000;

export const cacheTraits: StoreTraits = {
	name: "cache",
	title: "Cache API",
	consistency:
		"per data center, never replicated: each location has its own copy (or none); the cache may evict any entry at any time",
	atomicIncrement: {
		supported: false,
		technique:
			"the Cache API has no conditional put or atomic update; increments read then put (naive) and can lose updates",
	},
	compareAndSwap: { supported: false, technique: "the Cache API has no conditional writes" },
	ttl: {
		mechanism: "Cache-Control: max-age on the cached response, plus an expiresAt check on read",
		minSeconds: 1,
		maxSeconds: COUNTER_MAX_AGE_SECONDS,
	},
	limits: {
		maxValueBytes: 512 * 1024 * 1024,
		writesPerSecondPerKey: null,
		notes:
			"on *.workers.dev, the dashboard editor and the playground the Cache API has no effect in production (puts are dropped, matches miss); it works only on a custom domain",
	},
	localDevCaveats: [
		"locally there is one cache in one location, so the per-data-center split (a value written in one location missing in another) cannot be observed",
		"locally nothing is evicted early, so the cache looks more durable than it is",
		"the *.workers.dev no-op behaviour of production cannot be observed locally: locally the cache works",
	],
};

interface CachedSession {
	data: Record<string, unknown>;
	expiresAt: number;
}

export class CacheStore implements StateStore {
	readonly traits = cacheTraits;

	constructor(private readonly storage: CacheStorage) {}

	async getCounter(key: string): Promise<number | null> {
		const cached = await (await this.cache()).match(counterUrl(key));
		if (!cached) return null;
		return ((await cached.json()) as { value: number }).value;
	}

	async putCounter(key: string, value: number): Promise<number> {
		await (await this.cache()).put(counterUrl(key), jsonResponse({ value }, COUNTER_MAX_AGE_SECONDS));
		return value;
	}

	async increment(key: string, by: number, mode: IncrementMode): Promise<IncrementResult> {
		if (mode !== "naive")
			throw new StoreError("unsupported_mode", "the Cache API supports only naive increments");
		// Read, add, put: between the match and the put, another request can do
		// the same, and one of the two increments is lost.
		const value = assertSafeResult(((await this.getCounter(key)) ?? 0) + by);
		await this.putCounter(key, value);
		return { value, attempts: 1 };
	}

	compareAndSwap(): Promise<CasResult> {
		throw new StoreError(
			"unsupported_mode",
			"the Cache API has no conditional writes, so no compare-and-swap",
		);
	}

	async deleteCounter(key: string): Promise<void> {
		await (await this.cache()).delete(counterUrl(key));
	}

	async createSession(data: Record<string, unknown>, ttlSeconds: number): Promise<SessionRecord> {
		return this.writeSession(crypto.randomUUID(), data, Date.now() + ttlSeconds * 1000);
	}

	async getSession(id: string): Promise<SessionRecord | null> {
		const cached = await (await this.cache()).match(sessionUrl(id));
		if (!cached) return null;
		const session = (await cached.json()) as CachedSession;
		// max-age is a hint to the cache, not a promise: check the time ourselves.
		if (session.expiresAt <= Date.now()) return null;
		return { id, data: session.data, expiresAt: session.expiresAt };
	}

	async updateSession(id: string, patch: SessionPatch): Promise<SessionRecord | null> {
		const current = await this.getSession(id);
		if (!current) return null;
		const expiresAt =
			patch.ttlSeconds === undefined ? current.expiresAt : Date.now() + patch.ttlSeconds * 1000;
		return this.writeSession(id, patch.data ?? current.data, expiresAt);
	}

	async deleteSession(id: string): Promise<void> {
		await (await this.cache()).delete(sessionUrl(id));
	}

	private async writeSession(
		id: string,
		data: Record<string, unknown>,
		expiresAt: number,
	): Promise<SessionRecord> {
		const maxAge = Math.max(1, Math.ceil((expiresAt - Date.now()) / 1000));
		await (await this.cache()).put(
			sessionUrl(id),
			jsonResponse({ data, expiresAt } satisfies CachedSession, maxAge),
		);
		return { id, data, expiresAt };
	}

	private cache(): Promise<Cache> {
		return this.storage.open(CACHE_NAME);
	}
}

/** Cache keys must be http(s) URLs; this host never resolves, it only names entries. */
const counterUrl = (key: string) => `https://state-lab.internal/counters/${key}`;
const sessionUrl = (id: string) => `https://state-lab.internal/sessions/${id}`;

function jsonResponse(body: unknown, maxAgeSeconds: number): Response {
	return new Response(JSON.stringify(body), {
		headers: { "content-type": "application/json", "cache-control": `max-age=${maxAgeSeconds}` },
	});
}
