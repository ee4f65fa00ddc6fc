/** Names accepted by `--profile`. */
export const PROFILE_NAMES = ["quick", "standard", "thorough"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** How much load each scenario applies, and what counts as a passing run. */
export interface Profile {
	name: ProfileName;
	description: string;
	/** Closed-model concurrency levels every latency scenario runs at, per store. */
	connectionLevels: number[];
	warmupMs: number;
	durationMs: number;
	/** Per-request timeout. */
	timeoutMs: number;
	/**
	 * Production targets only: write scenarios use the open model at this many requests/s per store,
	 * spread over enough keys to stay within each store's per-key write limit.
	 */
	productionWriteRate: number;
	/** Sessions created up front for `session-read`. */
	sessionsToRead: number;
	pubsub: { subscribers: number; ratePerSecond: number; durationMs: number };
	/** Consistency scenarios (DESIGN.md vocabulary). */
	consistency: ConsistencyParameters;
	thresholds: {
		/** Failed requests (429s excluded) over all requests. */
		maxErrorRate: number;
		/** 429 answers over all requests (production rate limiting). */
		maxRateLimitedShare: number;
		/** Share of measured steps in which the load generator lagged (event-loop p99 above SATURATION_P99_MS). */
		maxSaturatedStepShare: number;
		/** Pub/sub messages lost over messages expected. */
		maxPubsubLossRate: number;
	};
}

/** How hard each consistency scenario pushes, per profile. */
export interface ConsistencyParameters {
	/** lost updates: `clients` × `incrementsPerClient` increments on one key, per store and mode. */
	contention: { clients: number; incrementsPerClient: number };
	/** linearizability: concurrent random read/write/cas/increment on a few keys, per store. */
	registerWorkload: {
		clients: number;
		operationsPerClient: number;
		keys: number;
		/** Checker budget per store; past it the verdict is `unknown`. */
		checkerTimeoutMs: number;
		/** Longest history kept in results.json (the checker always sees all of it). */
		maxHistoryOperations: number;
	};
	/** read-your-writes and monotonic reads: writers on their own keys, readers tracking the highest value. */
	sessionGuarantees: { writers: number; writesPerWriter: number; readers: number };
	/** t-visibility: writes probed, readers on separate connections, how long to wait for a write. */
	visibility: { writes: number; readers: number; timeoutMs: number; regions: string[] };
	/**
	 * session expiry: sessions are created with `ttlSeconds` (or the store's minimum, when larger) and
	 * probed every `probeIntervalMs` until `lateWindowMs` past the TTL. Stores whose minimum TTL is above
	 * `maxTtlSeconds` are not probed in this profile.
	 */
	sessionExpiry: { ttlSeconds: number; maxTtlSeconds: number; probeIntervalMs: number; lateWindowMs: number };
}

/** Regions the production t-visibility probes read from (Durable Object location hints). */
const PROBE_REGIONS = ["wnam", "enam", "weur", "eeur", "apac", "oc"];

const THRESHOLDS: Profile["thresholds"] = {
	maxErrorRate: 0.01,
	maxRateLimitedShare: 0.05,
	maxSaturatedStepShare: 0.1,
	maxPubsubLossRate: 0,
};

export const PROFILES: Record<ProfileName, Profile> = {
	quick: {
		name: "quick",
		description: "smoke test: one concurrency level, short runs (CI)",
		connectionLevels: [4],
		warmupMs: 100,
		durationMs: 250,
		timeoutMs: 5000,
		productionWriteRate: 5,
		sessionsToRead: 8,
		pubsub: { subscribers: 4, ratePerSecond: 20, durationMs: 1000 },
		consistency: {
			contention: { clients: 4, incrementsPerClient: 10 },
			registerWorkload: {
				clients: 4,
				operationsPerClient: 15,
				keys: 2,
				checkerTimeoutMs: 2000,
				maxHistoryOperations: 2000,
			},
			sessionGuarantees: { writers: 2, writesPerWriter: 5, readers: 2 },
			visibility: { writes: 4, readers: 2, timeoutMs: 2000, regions: PROBE_REGIONS },
			// KV's 60 s minimum TTL would more than double a smoke test: only stores that allow short TTLs.
			sessionExpiry: { ttlSeconds: 1, maxTtlSeconds: 5, probeIntervalMs: 100, lateWindowMs: 3000 },
		},
		thresholds: THRESHOLDS,
	},
	standard: {
		name: "standard",
		description: "default: two concurrency levels, about a minute on a laptop",
		connectionLevels: [1, 8],
		warmupMs: 150,
		durationMs: 600,
		timeoutMs: 5000,
		productionWriteRate: 10,
		sessionsToRead: 16,
		pubsub: { subscribers: 10, ratePerSecond: 50, durationMs: 2000 },
		consistency: {
			contention: { clients: 8, incrementsPerClient: 10 },
			registerWorkload: {
				clients: 6,
				operationsPerClient: 15,
				keys: 3,
				checkerTimeoutMs: 5000,
				maxHistoryOperations: 2000,
			},
			sessionGuarantees: { writers: 3, writesPerWriter: 6, readers: 2 },
			visibility: { writes: 6, readers: 3, timeoutMs: 5000, regions: PROBE_REGIONS },
			// KV (60 s minimum) is probed in the background while the other scenarios run.
			sessionExpiry: { ttlSeconds: 2, maxTtlSeconds: 60, probeIntervalMs: 100, lateWindowMs: 5000 },
		},
		thresholds: THRESHOLDS,
	},
	thorough: {
		name: "thorough",
		description: "four concurrency levels and longer runs, for numbers you put on a slide",
		connectionLevels: [1, 4, 16, 64],
		warmupMs: 1000,
		durationMs: 5000,
		timeoutMs: 10_000,
		productionWriteRate: 20,
		sessionsToRead: 128,
		pubsub: { subscribers: 50, ratePerSecond: 100, durationMs: 10_000 },
		consistency: {
			contention: { clients: 32, incrementsPerClient: 50 },
			registerWorkload: {
				clients: 16,
				operationsPerClient: 60,
				keys: 4,
				checkerTimeoutMs: 20_000,
				maxHistoryOperations: 2000,
			},
			sessionGuarantees: { writers: 8, writesPerWriter: 50, readers: 4 },
			visibility: { writes: 50, readers: 4, timeoutMs: 30_000, regions: PROBE_REGIONS },
			sessionExpiry: { ttlSeconds: 5, maxTtlSeconds: 60, probeIntervalMs: 50, lateWindowMs: 30_000 },
		},
		thresholds: THRESHOLDS,
	},
};
