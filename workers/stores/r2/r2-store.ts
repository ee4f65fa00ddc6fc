// R2: object storage with strong read-after-write consistency.
//
// Once a put returns, every reader anywhere sees the new object. What R2 does
// not have is "add 1 to this object": the only write is a whole-object put.
// But a put can be *conditional*: `onlyIf: { etagMatches }` writes only if the
// object still has the etag we read, and `onlyIf: { etagDoesNotMatch: "*" }`
// writes only if there is no object yet. A failed condition writes nothing
// and `put` returns null instead of throwing.
//
// That is enough for optimistic concurrency, the compare-and-swap loop:
//   1. get the counter and its etag,
//   2. put value + by, only if the etag is unchanged,
//   3. if someone else won the race, wait a little and go back to 1.
// Every attempt either wins or learns that another writer did, so no update
// is lost. Under contention the losers retry, so we count and report the
// attempts; the wait grows exponentially with random jitter (so the losers do
// not collide again in lockstep), and after a bounded number of attempts we
// give up with 409 rather than spin forever.
//
// An etag is a hash of the object's content, so "etag unchanged" means
// "content unchanged" — for a counter that is exactly the comparison we want.
//
// `naive` skips the condition: get, add, unconditional put. Strong consistency
// does not help here; two writers that read the same value both write.
//
// Sessions keep `expiresAt` in the object's custom metadata. R2 lifecycle
// rules only expire objects after whole days, so the expiry that matters is
// our check on read, which also deletes the expired object.

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

/** How many conditional puts an atomic increment tries before answering 409. */
export const R2_CAS_MAX_ATTEMPTS = 16;
/** Backoff before retry n is a random delay in [0, min(CAP, BASE·2^(n-1))) milliseconds. */
const BACKOFF_BASE_MS = 10;
const BACKOFF_CAP_MS = 1000;

/** The condition that makes a put succeed only when no object exists yet. */
const CREATE_ONLY: R2Conditional = { etagDoesNotMatch: "*" };

export const r2Traits: StoreTraits = {
	name: "r2",
	title: "R2",
	consistency:
		"strong read-after-write consistency for every object, globally; last write wins for unconditional puts",
	atomicIncrement: {
		supported: true,
		technique: `compare-and-swap loop: get the etag, put with onlyIf.etagMatches, retry with jittered exponential backoff (at most ${R2_CAS_MAX_ATTEMPTS} attempts, then 409)`,
	},
	compareAndSwap: {
		supported: true,
		technique: "one conditional put (onlyIf.etagMatches, or etagDoesNotMatch: '*' for an absent key)",
	},
	ttl: {
		mechanism:
			"expiresAt in the object's custom metadata, checked on read (expired objects are deleted then); lifecycle rules work only in whole days",
		minSeconds: 1,
		maxSeconds: 31_536_000,
	},
	limits: {
		maxValueBytes: 5 * 1024 * 1024 * 1024,
		writesPerSecondPerKey: 1,
		notes:
			"about 1 write per second to the same object key (more may answer 429 in production), so a contended CAS loop is slow; single puts up to 5 GiB",
	},
	localDevCaveats: [
		"locally R2 is a SQLite index plus files next to the Worker, so a get+put round trip costs far less and a CAS loop retries much faster than in production",
		"the 1 write/s per key limit is not enforced locally, so contention shows up only as retries, never as 429s",
	],
};

export class R2Store implements StateStore {
	readonly traits = r2Traits;

	constructor(private readonly bucket: R2Bucket) {}

	async getCounter(key: string): Promise<number | null> {
		return (await this.readCounter(key))?.value ?? null;
	}

	async putCounter(key: string, value: number): Promise<number> {
		await this.bucket.put(counterKey(key), String(value));
		return value;
	}

	async increment(key: string, by: number, mode: IncrementMode): Promise<IncrementResult> {
		if (mode === "naive") {
			const value = assertSafeResult(((await this.getCounter(key)) ?? 0) + by);
			await this.putCounter(key, value);
			return { value, attempts: 1 };
		}
		for (let attempt = 1; attempt <= R2_CAS_MAX_ATTEMPTS; attempt++) {
			const current = await this.readCounter(key);
			const value = assertSafeResult((current?.value ?? 0) + by);
			const written = await this.bucket.put(counterKey(key), String(value), {
				onlyIf: current ? { etagMatches: current.etag } : CREATE_ONLY,
			});
			if (written) return { value, attempts: attempt };
			// Someone else wrote first: back off, then read their value and try again.
			if (attempt < R2_CAS_MAX_ATTEMPTS) await sleep(backoffMs(attempt));
		}
		throw new StoreError(
			"cas_exhausted",
			`the compare-and-swap loop on '${key}' lost the race ${R2_CAS_MAX_ATTEMPTS} times in a row; try again later`,
			{ attempts: R2_CAS_MAX_ATTEMPTS },
		);
	}

	async compareAndSwap(key: string, expected: number | null, value: number): Promise<CasResult> {
		let condition = CREATE_ONLY;
		if (expected !== null) {
			const current = await this.readCounter(key);
			if (current?.value !== expected) return { ok: false, value: current?.value ?? null };
			condition = { etagMatches: current.etag };
		}
		const written = await this.bucket.put(counterKey(key), String(value), { onlyIf: condition });
		if (written) return { ok: true, value };
		// The condition failed: report what is there now.
		return { ok: false, value: await this.getCounter(key) };
	}

	async deleteCounter(key: string): Promise<void> {
		await this.bucket.delete(counterKey(key));
	}

	async createSession(data: Record<string, unknown>, ttlSeconds: number): Promise<SessionRecord> {
		const id = crypto.randomUUID();
		const expiresAt = Date.now() + ttlSeconds * 1000;
		await this.bucket.put(sessionKey(id), JSON.stringify(data), sessionOptions(expiresAt, CREATE_ONLY));
		return { id, data, expiresAt };
	}

	async getSession(id: string): Promise<SessionRecord | null> {
		return (await this.readSession(id))?.record ?? null;
	}

	async updateSession(id: string, patch: SessionPatch): Promise<SessionRecord | null> {
		// A conditional put, so a PATCH racing a DELETE cannot bring the session back.
		for (let attempt = 1; attempt <= R2_CAS_MAX_ATTEMPTS; attempt++) {
			const current = await this.readSession(id);
			if (!current) return null;
			const data = patch.data ?? current.record.data;
			const expiresAt =
				patch.ttlSeconds === undefined ? current.record.expiresAt : Date.now() + patch.ttlSeconds * 1000;
			const written = await this.bucket.put(
				sessionKey(id),
				JSON.stringify(data),
				sessionOptions(expiresAt, { etagMatches: current.etag }),
			);
			if (written) return { id, data, expiresAt };
			if (attempt < R2_CAS_MAX_ATTEMPTS) await sleep(backoffMs(attempt));
		}
		throw new StoreError(
			"cas_exhausted",
			`session '${id}' kept changing while it was being updated; try again later`,
			{ attempts: R2_CAS_MAX_ATTEMPTS },
		);
	}

	async deleteSession(id: string): Promise<void> {
		await this.bucket.delete(sessionKey(id));
	}

	private async readCounter(key: string): Promise<{ value: number; etag: string } | null> {
		const object = await this.bucket.get(counterKey(key));
		if (!object) return null;
		return { value: Number(await object.text()), etag: object.etag };
	}

	private async readSession(id: string): Promise<{ record: SessionRecord; etag: string } | null> {
		const object = await this.bucket.get(sessionKey(id));
		if (!object) return null;
		const expiresAt = Number(object.customMetadata?.expiresAt);
		if (!(expiresAt > Date.now())) {
			// Expired: nothing else will remove it soon, so the reader does.
			await this.bucket.delete(sessionKey(id));
			return null;
		}
		return { record: { id, data: await object.json(), expiresAt }, etag: object.etag };
	}
}

const counterKey = (key: string) => `counters/${key}`;
const sessionKey = (id: string) => `sessions/${id}`;

function sessionOptions(expiresAt: number, onlyIf: R2Conditional): R2PutOptions {
	return {
		onlyIf,
		httpMetadata: { contentType: "application/json" },
		customMetadata: { expiresAt: String(expiresAt) },
	};
}

/** Full jitter: a random wait below an exponentially growing, capped ceiling. */
function backoffMs(attempt: number): number {
	return Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
