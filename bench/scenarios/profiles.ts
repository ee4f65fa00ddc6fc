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
	thresholds: {
		/** Failed requests (429s excluded) over all requests. */
		maxErrorRate: number;
		/** 429 answers over all requests (production rate limiting). */
		maxRateLimitedShare: number;
		/** Load-generator event-loop delay p99 over the whole run. */
		maxEventLoopP99Ms: number;
		/** Pub/sub messages lost over messages expected. */
		maxPubsubLossRate: number;
	};
}

const THRESHOLDS: Profile["thresholds"] = {
	maxErrorRate: 0.01,
	maxRateLimitedShare: 0.05,
	maxEventLoopP99Ms: 50,
	maxPubsubLossRate: 0,
};

export const PROFILES: Record<ProfileName, Profile> = {
	quick: {
		name: "quick",
		description: "smoke test: one concurrency level, short runs (CI)",
		connectionLevels: [4],
		warmupMs: 100,
		durationMs: 300,
		timeoutMs: 5000,
		productionWriteRate: 5,
		sessionsToRead: 8,
		pubsub: { subscribers: 4, ratePerSecond: 20, durationMs: 1000 },
		thresholds: THRESHOLDS,
	},
	standard: {
		name: "standard",
		description: "default: two concurrency levels, about a minute on a laptop",
		connectionLevels: [1, 8],
		warmupMs: 200,
		durationMs: 900,
		timeoutMs: 5000,
		productionWriteRate: 10,
		sessionsToRead: 32,
		pubsub: { subscribers: 10, ratePerSecond: 50, durationMs: 3000 },
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
		thresholds: THRESHOLDS,
	},
};
