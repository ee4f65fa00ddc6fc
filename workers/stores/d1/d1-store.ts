// D1: SQLite as a service, with one primary and optional read replicas.
//
// Every write goes to the single primary database, which runs statements one
// at a time. That makes a *single statement* atomic: the `atomic` increment
// is one `INSERT … ON CONFLICT DO UPDATE SET value = value + ? … RETURNING`,
// so the read, the addition and the write happen inside SQLite with nothing
// in between, and the new value comes back in the same round trip. Its WHERE
// clause refuses a result outside the safe integer range, so nothing unsafe
// is ever stored.
//
// The `naive` increment is the mistake everyone makes once: SELECT the value
// into the Worker, add, then write it back. Two requests that SELECT before
// either writes both write the same number, and one increment is lost —
// SQLite is perfectly consistent, the *application* is not.
//
// Read replicas bring the other lesson. A replica may lag the primary, so a
// read right after a write could miss it. The Sessions API fixes that with
// bookmarks: every answer carries the bookmark of the newest state this
// session saw (we send it as `x-d1-bookmark`), and a request that hands the
// bookmark back (`withSession(bookmark)`) is served by a replica at least that
// fresh. Without a bookmark, reads start "first-unconstrained" (any replica,
// fastest) and writes "first-primary". That gives a client sequential
// consistency across requests, at the cost of carrying a header around.
//
// Sessions are plain rows with an `expires_at`: reads ignore expired rows, and
// each new session sweeps a small batch of expired ones through the index, so
// the table does not grow forever without a cron job.

import {
	assertSafeResult,
	type CasResult,
	type IncrementMode,
	type IncrementResult,
	MAX_SAFE,
	type SessionPatch,
	type SessionRecord,
	type StateStore,
	StoreError,
	type StoreTraits,
} from "../state-store.ts";

/** How many expired sessions one write sweeps at most. */
const SWEEP_BATCH = 100;

/**
 * The shape of a D1 bookmark ("00000085-0000024c-00004c6d-8e61…"). A header
 * that does not look like one answers 400 rather than being passed to D1
 * (which would fail the request) or silently ignored (which would quietly
 * drop the freshness the client asked for).
 */
const BOOKMARK_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

export const d1Traits: StoreTraits = {
	name: "d1",
	title: "D1",
	consistency:
		"SQLite with one primary: writes are serialized; with read replicas, the Sessions API (bookmarks in x-d1-bookmark) gives sequential consistency per client",
	atomicIncrement: {
		supported: true,
		technique:
			"one INSERT … ON CONFLICT DO UPDATE SET value = value + ? … RETURNING statement; naive mode does SELECT then UPDATE and can lose updates",
	},
	compareAndSwap: {
		supported: true,
		technique:
			"a conditional UPDATE … WHERE value = expected (INSERT … ON CONFLICT DO NOTHING for an absent key), batched with a SELECT of the result",
	},
	ttl: {
		mechanism:
			"an expires_at column checked on every read; expired rows are swept in small batches when sessions are created",
		minSeconds: 1,
		maxSeconds: 31_536_000,
	},
	limits: {
		maxValueBytes: 2_000_000,
		writesPerSecondPerKey: null,
		notes:
			"all writes go to one primary, whose throughput depends on query time (roughly 1,000 simple queries/s); rows up to 2 MB; 10 GB per database",
	},
	localDevCaveats: [
		"locally there are no read replicas, so replica lag and what bookmarks protect against cannot be observed (bookmarks are still issued and accepted)",
		"locally the database is a SQLite file next to the Worker, so the network trip to the primary (which naive mode pays twice) is missing",
	],
};

export class D1Store implements StateStore {
	readonly traits = d1Traits;
	private session: D1DatabaseSession | null = null;
	private readonly bookmark: string | null;

	constructor(
		private readonly db: D1Database,
		bookmark: string | null,
	) {
		if (bookmark !== null && !BOOKMARK_PATTERN.test(bookmark)) {
			throw new StoreError(
				"invalid_bookmark",
				"x-d1-bookmark must be a bookmark this API returned earlier (e.g. 00000000-00000004-00000000-…)",
			);
		}
		this.bookmark = bookmark;
	}

	/** The bookmark of the newest state this request saw, for `x-d1-bookmark`. */
	consistencyToken(): string | null {
		return this.session?.getBookmark() ?? null;
	}

	async getCounter(key: string): Promise<number | null> {
		const row = await this.use("read")
			.prepare("SELECT value FROM counters WHERE key = ?1")
			.bind(key)
			.first<{ value: number }>();
		return row ? row.value : null;
	}

	async putCounter(key: string, value: number): Promise<number> {
		await this.use("write")
			.prepare(
				"INSERT INTO counters (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
			)
			.bind(key, value)
			.run();
		return value;
	}

	async increment(key: string, by: number, mode: IncrementMode): Promise<IncrementResult> {
		if (mode === "naive") {
			// SELECT, add in the Worker, write back: two trips, and a window between them.
			const next = assertSafeResult(((await this.getCounter(key)) ?? 0) + by);
			return { value: await this.putCounter(key, next), attempts: 1 };
		}
		// One statement: SQLite reads, adds and writes with nothing in between.
		// When the sum would leave the safe range the WHERE skips the update and
		// RETURNING yields no row.
		const row = await this.use("write")
			.prepare(
				`INSERT INTO counters (key, value) VALUES (?1, ?2)
				 ON CONFLICT (key) DO UPDATE SET value = counters.value + excluded.value
				 WHERE counters.value + excluded.value BETWEEN -?3 AND ?3
				 RETURNING value`,
			)
			.bind(key, by, MAX_SAFE)
			.first<{ value: number }>();
		if (!row) throw outOfRange(key, by);
		return { value: row.value, attempts: 1 };
	}

	async compareAndSwap(key: string, expected: number | null, value: number): Promise<CasResult> {
		const session = this.use("write");
		const write =
			expected === null
				? session
						.prepare("INSERT INTO counters (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING")
						.bind(key, value)
				: session
						.prepare("UPDATE counters SET value = ?2 WHERE key = ?1 AND value = ?3")
						.bind(key, value, expected);
		// A batch runs as one transaction: the SELECT sees exactly what the write left.
		const [written, read] = await session.batch<{ value: number }>([
			write,
			session.prepare("SELECT value FROM counters WHERE key = ?1").bind(key),
		]);
		return { ok: written?.meta.changes === 1, value: read?.results[0]?.value ?? null };
	}

	async deleteCounter(key: string): Promise<void> {
		await this.use("write").prepare("DELETE FROM counters WHERE key = ?1").bind(key).run();
	}

	async createSession(data: Record<string, unknown>, ttlSeconds: number): Promise<SessionRecord> {
		const id = crypto.randomUUID();
		const now = Date.now();
		const expiresAt = now + ttlSeconds * 1000;
		const session = this.use("write");
		await session.batch([
			session
				.prepare("DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at <= ?1 LIMIT ?2)")
				.bind(now, SWEEP_BATCH),
			session
				.prepare("INSERT INTO sessions (id, data, expires_at) VALUES (?1, ?2, ?3)")
				.bind(id, JSON.stringify(data), expiresAt),
		]);
		return { id, data, expiresAt };
	}

	async getSession(id: string): Promise<SessionRecord | null> {
		const row = await this.use("read")
			.prepare("SELECT data, expires_at FROM sessions WHERE id = ?1 AND expires_at > ?2")
			.bind(id, Date.now())
			.first<SessionRow>();
		return row && toRecord(id, row);
	}

	async updateSession(id: string, patch: SessionPatch): Promise<SessionRecord | null> {
		const now = Date.now();
		// One statement: a session that expires between a SELECT and an UPDATE cannot be revived.
		const row = await this.use("write")
			.prepare(
				`UPDATE sessions SET data = coalesce(?2, data), expires_at = coalesce(?3, expires_at)
				 WHERE id = ?1 AND expires_at > ?4
				 RETURNING data, expires_at`,
			)
			.bind(
				id,
				patch.data === undefined ? null : JSON.stringify(patch.data),
				patch.ttlSeconds === undefined ? null : now + patch.ttlSeconds * 1000,
				now,
			)
			.first<SessionRow>();
		return row && toRecord(id, row);
	}

	async deleteSession(id: string): Promise<void> {
		await this.use("write").prepare("DELETE FROM sessions WHERE id = ?1").bind(id).run();
	}

	/**
	 * The D1 session for this request, opened on first use: from the client's
	 * bookmark when it sent one, else from the replica that suits the first
	 * operation (any replica for a read, the primary for a write).
	 */
	private use(first: "read" | "write"): D1DatabaseSession {
		this.session ??= this.db.withSession(
			this.bookmark ?? (first === "read" ? "first-unconstrained" : "first-primary"),
		);
		return this.session;
	}
}

interface SessionRow {
	data: string;
	expires_at: number;
}

function toRecord(id: string, row: SessionRow): SessionRecord {
	return { id, data: JSON.parse(row.data), expiresAt: row.expires_at };
}

function outOfRange(key: string, by: number): StoreError {
	return new StoreError(
		"out_of_range",
		`adding ${by} to '${key}' would leave the safe integer range (±${MAX_SAFE})`,
	);
}
