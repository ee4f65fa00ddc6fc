// Durable Objects as a StateStore: the Worker side.
//
// Each counter key and each session id gets its own CounterObject
// (`idFromName`), so the key *is* the unit of consistency: one single-threaded
// instance owns it, and every request for it, from anywhere, is routed there.
// Reads after writes are always fresh — there is exactly one copy to read.
//
// The two increment modes differ only in *where* the arithmetic happens:
// - `atomic` sends one RPC, `increment(by)`, and the object adds inside itself,
//   where nothing can interleave. Correct under any contention.
// - `naive` does `read()` then `write()` from the Worker: two trips, and the
//   object happily serves other requests in between. Updates get lost, even
//   though the storage itself is strongly consistent.
//
// The price of "one instance per key" is throughput: a single object handles
// roughly a thousand simple requests per second, so a global hot counter
// should be sharded (several objects, summed on read).

import {
	assertSafeResult,
	type CasResult,
	type IncrementMode,
	type IncrementResult,
	type SessionPatch,
	type SessionRecord,
	type StateStore,
	type StoreTraits,
} from "../state-store.ts";
import type { CounterObject } from "./counter-object.ts";

export const doTraits: StoreTraits = {
	name: "do",
	title: "Durable Objects",
	consistency:
		"strongly consistent per object: one single-threaded instance owns each key (SQLite storage), so reads see every completed write",
	atomicIncrement: {
		supported: true,
		technique:
			"the increment runs inside the object, whose single thread makes read-add-write atomic; naive mode does read and write as two RPCs and can lose updates",
	},
	compareAndSwap: {
		supported: true,
		technique: "the comparison and the write run inside the object in one synchronous step",
	},
	ttl: {
		mechanism:
			"an alarm (ctx.storage.setAlarm) deletes the session at expiresAt, plus an expiry check on read",
		minSeconds: 1,
		maxSeconds: 31_536_000,
	},
	limits: {
		maxValueBytes: 2 * 1024 * 1024,
		writesPerSecondPerKey: 1000,
		notes:
			"one object per key handles about 1,000 requests/s (soft limit); SQLite-backed objects store rows up to 2 MB and 10 GB per object",
	},
	localDevCaveats: [
		"locally every object lives in the same process next to the Worker, so the round trip to an object in another region (and the cost of naive mode's second trip) is not visible",
		"locally alarms fire on the local clock and are not retried like in production",
		"the per-object throughput limit is not enforced locally",
	],
};

/** The Durable Object name that owns a counter key. */
export const counterObjectName = (key: string) => `counter:${key}`;
/** The Durable Object name that owns a session id. */
export const sessionObjectName = (id: string) => `session:${id}`;

export class DoStore implements StateStore {
	readonly traits = doTraits;

	constructor(private readonly namespace: DurableObjectNamespace<CounterObject>) {}

	getCounter(key: string): Promise<number | null> {
		return this.counter(key).read();
	}

	putCounter(key: string, value: number): Promise<number> {
		return this.counter(key).write(value);
	}

	async increment(key: string, by: number, mode: IncrementMode): Promise<IncrementResult> {
		const counter = this.counter(key);
		if (mode === "atomic") {
			// One trip: the object reads, adds and writes without interruption.
			const outcome = await counter.increment(by);
			return { value: assertSafeResult(outcome.applied ? outcome.value : outcome.wouldBe), attempts: 1 };
		}
		// Two trips: anything may happen inside the object between them.
		const value = assertSafeResult(((await counter.read()) ?? 0) + by);
		await counter.write(value);
		return { value, attempts: 1 };
	}

	compareAndSwap(key: string, expected: number | null, value: number): Promise<CasResult> {
		return this.counter(key).cas(expected, value);
	}

	async deleteCounter(key: string): Promise<void> {
		await this.counter(key).delete();
	}

	async createSession(data: Record<string, unknown>, ttlSeconds: number): Promise<SessionRecord> {
		const id = crypto.randomUUID();
		const expiresAt = Date.now() + ttlSeconds * 1000;
		await this.session(id).putSession({ data: JSON.stringify(data), expiresAt });
		return { id, data, expiresAt };
	}

	async getSession(id: string): Promise<SessionRecord | null> {
		const stored = await this.session(id).getSession();
		return stored && { id, data: JSON.parse(stored.data), expiresAt: stored.expiresAt };
	}

	async updateSession(id: string, patch: SessionPatch): Promise<SessionRecord | null> {
		const stored = await this.session(id).patchSession({
			data: patch.data === undefined ? undefined : JSON.stringify(patch.data),
			expiresAt: patch.ttlSeconds === undefined ? undefined : Date.now() + patch.ttlSeconds * 1000,
		});
		return stored && { id, data: JSON.parse(stored.data), expiresAt: stored.expiresAt };
	}

	async deleteSession(id: string): Promise<void> {
		await this.session(id).deleteSession();
	}

	private counter(key: string): DurableObjectStub<CounterObject> {
		return this.namespace.get(this.namespace.idFromName(counterObjectName(key)));
	}

	private session(id: string): DurableObjectStub<CounterObject> {
		return this.namespace.get(this.namespace.idFromName(sessionObjectName(id)));
	}
}
