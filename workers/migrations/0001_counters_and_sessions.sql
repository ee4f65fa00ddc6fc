-- Counters: one row per key. `value` stays within ±Number.MAX_SAFE_INTEGER;
-- the Worker checks that in the same statement that changes it.
CREATE TABLE counters (
	key TEXT PRIMARY KEY,
	value INTEGER NOT NULL
);

-- Sessions: `data` is a JSON object, `expires_at` epoch milliseconds. Reads
-- ignore expired rows; writes sweep them in small batches, using the index.
CREATE TABLE sessions (
	id TEXT PRIMARY KEY,
	data TEXT NOT NULL,
	expires_at INTEGER NOT NULL
);

CREATE INDEX sessions_by_expires_at ON sessions (expires_at);
