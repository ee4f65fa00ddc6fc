// Workers KV: a global key-value store built for reads.
//
// A write goes to a central store and is pushed out to every Cloudflare data
// center; until it arrives, other locations keep serving the old value from
// their cache (for up to 60 seconds by default). Concurrent writes to one key
// resolve as "last write wins", and a key accepts about one write per second.
//
// So KV has no atomic increment and no compare-and-swap: the only way to add
// to a counter is to read it, add, and write it back — and two clients doing
// that at once both read the same old value, and one increment is lost. This
// class does exactly that, on purpose, so the bench can count the losses.
//
// Sessions are KV's sweet spot: an expiry on put makes KV delete the key for
// us. KV refuses TTLs shorter than 60 seconds, and we say so (422) instead of
// silently stretching a 5-second session to a minute. KV counts expiry in
// whole seconds, and `expirationTtl` starts from the current second rounded
// down, so it can delete a key up to a second before the `expiresAt` we
// promised (the bench's session-expiry scenario caught exactly that). We
// therefore pass an absolute `expiration`, rounded up, and check `expiresAt`
// on read for the last fraction of a second.

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

/** KV's documented minimum for `expirationTtl`. */
export const KV_MIN_TTL_SECONDS = 60;

export const kvTraits: StoreTraits = {
	name: "kv",
	title: "Workers KV",
	consistency: "eventually consistent, last write wins; changes reach other locations within ~60 s",
	atomicIncrement: {
		supported: false,
		technique: "KV has no atomic read-modify-write; increments read then write (naive) and can lose updates",
	},
	compareAndSwap: { supported: false, technique: "KV has no conditional writes" },
	ttl: {
		mechanism: "absolute expiration on put, in whole seconds (KV deletes the key), plus a check on read",
		minSeconds: KV_MIN_TTL_SECONDS,
		maxSeconds: 31_536_000,
	},
	limits: {
		maxValueBytes: 25 * 1024 * 1024,
		writesPerSecondPerKey: 1,
		notes: "about 1 write per second to the same key; more answer 429 in production",
	},
	localDevCaveats: [
		"locally KV is a single SQLite-backed store, so every read sees the latest write: propagation delay and stale reads cannot be observed",
		"the 1 write/s per key limit is not enforced locally",
	],
};

interface StoredSession {
	data: Record<string, unknown>;
	expiresAt: number;
}

export class KvStore implements StateStore {
	readonly traits = kvTraits;

	constructor(private readonly kv: KVNamespace) {}

	async getCounter(key: string): Promise<number | null> {
		const text = await this.kv.get(counterKey(key));
		return text === null ? null : Number(text);
	}

	async putCounter(key: string, value: number): Promise<number> {
		await this.kv.put(counterKey(key), String(value));
		return value;
	}

	async increment(key: string, by: number, mode: IncrementMode): Promise<IncrementResult> {
		if (mode !== "naive")
			throw new StoreError("unsupported_mode", "Workers KV supports only naive increments");
		// Two round trips with a gap in between: the window where updates are lost.
		const current = (await this.getCounter(key)) ?? 0;
		const value = assertSafeResult(current + by);
		await this.putCounter(key, value);
		return { value, attempts: 1 };
	}

	compareAndSwap(): Promise<CasResult> {
		throw new StoreError("unsupported_mode", "Workers KV has no conditional writes, so no compare-and-swap");
	}

	async deleteCounter(key: string): Promise<void> {
		await this.kv.delete(counterKey(key));
	}

	async createSession(data: Record<string, unknown>, ttlSeconds: number): Promise<SessionRecord> {
		return this.writeSession(crypto.randomUUID(), data, Date.now() + ttlSeconds * 1000);
	}

	async getSession(id: string): Promise<SessionRecord | null> {
		const stored = await this.kv.get<StoredSession>(sessionKey(id), "json");
		// KV expires keys lazily and per location, so we also check the time ourselves.
		if (!stored || stored.expiresAt <= Date.now()) return null;
		return { id, data: stored.data, expiresAt: stored.expiresAt };
	}

	async updateSession(id: string, patch: SessionPatch): Promise<SessionRecord | null> {
		const current = await this.getSession(id);
		if (!current) return null;
		const data = patch.data ?? current.data;
		const expiresAt =
			patch.ttlSeconds === undefined ? current.expiresAt : Date.now() + patch.ttlSeconds * 1000;
		return this.writeSession(id, data, expiresAt);
	}

	async deleteSession(id: string): Promise<void> {
		await this.kv.delete(sessionKey(id));
	}

	private async writeSession(
		id: string,
		data: Record<string, unknown>,
		expiresAt: number,
	): Promise<SessionRecord> {
		// Never earlier than `expiresAt`, and never sooner than KV's 60 s minimum
		// (a PATCH that keeps an almost-expired session's expiry still has to
		// satisfy it; the check on read hides the session on time).
		const earliestAllowed = Math.ceil(Date.now() / 1000) + KV_MIN_TTL_SECONDS;
		const expiration = Math.max(Math.ceil(expiresAt / 1000), earliestAllowed);
		await this.kv.put(sessionKey(id), JSON.stringify({ data, expiresAt } satisfies StoredSession), {
			expiration,
		});
		return { id, data, expiresAt };
	}
}

const counterKey = (key: string) => `counter:${key}`;
const sessionKey = (id: string) => `session:${id}`;
