// CounterObject: one Durable Object per counter key, or per session id.
//
// A Durable Object is a single instance somewhere in the world that owns its
// own little SQLite database. Every request for the same id (we derive ids with
// `idFromName`, so "counter:visits" always reaches the same object) is routed to
// that one instance, and the instance handles one event at a time: while a
// method runs synchronous code — and `ctx.storage.sql.exec` *is* synchronous —
// nothing else can interleave. So the read-add-write in `increment()` below
// cannot lose an update, without any locks or retries. That is the whole trick:
// put the logic where the data lives.
//
// The Worker can still get it wrong. DoStore's `naive` mode calls `read()` and
// then `write()` as two separate RPCs; between them, other requests run inside
// the object, and their increments are overwritten. Same object, same storage,
// lost updates — because the logic ran in the wrong place.
//
// Sessions use the same class, one object per session id. Expiry has two
// halves: an alarm (`ctx.storage.setAlarm`) wakes the object at `expiresAt` and
// deletes the row, so dead sessions do not pile up; and every read checks the
// time itself, because an alarm may run a little late (and is retried on
// failure), while a reader must never see an expired session.

import { DurableObject } from "cloudflare:workers";

/** What an atomic increment did: the new value, or the unsafe value it refused to store. */
export type IncrementOutcome = { applied: true; value: number } | { applied: false; wouldBe: number };

/**
 * A session as the object stores it: `data` is the JSON text of the session
 * data (the object never looks inside), `expiresAt` epoch milliseconds.
 */
export interface StoredSession {
	data: string;
	expiresAt: number;
}

export class CounterObject extends DurableObject<Env> {
	private readonly sql: SqlStorage;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		// Each object has its own database; creating the tables is cheap and
		// idempotent, and runs before the object accepts its first call.
		this.sql.exec(`
			CREATE TABLE IF NOT EXISTS counter (
				id INTEGER PRIMARY KEY CHECK (id = 1),
				value INTEGER NOT NULL
			);
			CREATE TABLE IF NOT EXISTS session (
				id INTEGER PRIMARY KEY CHECK (id = 1),
				data TEXT NOT NULL,
				expires_at INTEGER NOT NULL
			);
		`);
	}

	/** The counter, or null when absent. */
	read(): number | null {
		const row = this.sql.exec<{ value: number }>("SELECT value FROM counter WHERE id = 1").toArray()[0];
		return row ? row.value : null;
	}

	/** Overwrite the counter. */
	write(value: number): number {
		this.sql.exec(
			"INSERT INTO counter (id, value) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET value = excluded.value",
			value,
		);
		return value;
	}

	/**
	 * Add `by` atomically: nothing else runs in this object between the read
	 * and the write, because both are synchronous. An unsafe result is refused
	 * (and reported) rather than stored.
	 */
	increment(by: number): IncrementOutcome {
		const wouldBe = (this.read() ?? 0) + by;
		if (!Number.isSafeInteger(wouldBe)) return { applied: false, wouldBe };
		return { applied: true, value: this.write(wouldBe) };
	}

	/** Set to `value` only if the counter currently equals `expected` (null = absent). */
	cas(expected: number | null, value: number): { ok: boolean; value: number | null } {
		const current = this.read();
		if (current !== expected) return { ok: false, value: current };
		return { ok: true, value: this.write(value) };
	}

	/** Remove the counter. */
	delete(): void {
		this.sql.exec("DELETE FROM counter");
	}

	/** Store this object's session and schedule the alarm that removes it. */
	async putSession(session: StoredSession): Promise<StoredSession> {
		this.sql.exec(
			`INSERT INTO session (id, data, expires_at) VALUES (1, ?, ?)
			 ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
			session.data,
			session.expiresAt,
		);
		await this.ctx.storage.setAlarm(session.expiresAt);
		return session;
	}

	/** The live session, or null; an expired one is deleted on sight. */
	async getSession(): Promise<StoredSession | null> {
		const row = this.sql
			.exec<{ data: string; expires_at: number }>("SELECT data, expires_at FROM session WHERE id = 1")
			.toArray()[0];
		if (!row) return null;
		if (row.expires_at <= Date.now()) {
			await this.deleteSession();
			return null;
		}
		return { data: row.data, expiresAt: row.expires_at };
	}

	/** Replace `data` and/or move `expiresAt` of a live session; null when absent or expired. */
	async patchSession(patch: Partial<StoredSession>): Promise<StoredSession | null> {
		const current = await this.getSession();
		if (!current) return null;
		return this.putSession({
			data: patch.data ?? current.data,
			expiresAt: patch.expiresAt ?? current.expiresAt,
		});
	}

	/** Remove the session and its pending alarm. */
	async deleteSession(): Promise<void> {
		this.sql.exec("DELETE FROM session");
		await this.ctx.storage.deleteAlarm();
	}

	/**
	 * The alarm fires at (or a little after) `expiresAt`. If the session was
	 * extended meanwhile, `putSession` already moved the alarm, but we check
	 * anyway: an alarm that fires early for any reason re-arms itself.
	 */
	override async alarm(): Promise<void> {
		const row = this.sql
			.exec<{ expires_at: number }>("SELECT expires_at FROM session WHERE id = 1")
			.toArray()[0];
		if (!row) return;
		if (row.expires_at <= Date.now()) this.sql.exec("DELETE FROM session");
		else await this.ctx.storage.setAlarm(row.expires_at);
	}
}
