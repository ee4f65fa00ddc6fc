import { z } from "zod";

/**
 * Version of the `results.json` format described in docs/results-schema.md.
 * Additive, optional fields keep this number; anything that changes the meaning or the shape of an
 * existing field bumps it, and `parseResults` then refuses older files with a clear message.
 */
export const RESULTS_SCHEMA_VERSION = 1;

const count = z.number().int().nonnegative();
const nonNegative = z.number().nonnegative();
const isoTime = z.iso.datetime({ offset: true });
const storeName = z.string().min(1);
/** Base64 of `hdr-histogram-js` `encodeIntoCompressedBase64()`, values in microseconds. */
const encodedHistogram = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "expected a base64 HDR histogram");

/** Latency operations the bench measures, in the order the report shows them. */
export const LATENCY_OPERATIONS = [
	"counter-read",
	"increment-atomic",
	"increment-naive",
	"session-create",
	"session-read",
	"health",
] as const;

/** Percentile summary in microseconds (or milliseconds where a field name says so). */
export const percentileSummarySchema = z.object({
	p50: nonNegative,
	p90: nonNegative,
	p99: nonNegative,
	p999: nonNegative,
	max: nonNegative,
	mean: nonNegative,
});

/**
 * Latency percentiles of a latency row. A bench row has all six; a row from a k6 summary has only the
 * statistics the script's `summaryTrendStats` asked for, and a missing one stays absent (never filled in
 * from another percentile).
 */
export const latencyPercentilesSchema = percentileSummarySchema.partial();

export const targetSchema = z.object({
	kind: z.enum(["local", "production"]),
	url: z.string().min(1),
	colo: z.string().nullable().optional(),
	cfRay: z.string().nullable().optional(),
});

export const environmentSchema = z.object({
	node: z.string(),
	wrangler: z.string().nullable().optional(),
	os: z.string(),
	cpu: z.string(),
	cores: count,
	gitCommit: z.string().nullable().optional(),
});

export const runInfoSchema = z.object({
	startedAt: isoTime,
	finishedAt: isoTime,
	durationS: nonNegative,
	/** "quick" | "standard" | "thorough", or a custom profile name. */
	profile: z.string().min(1),
	configHash: z.string().min(1),
	/** Stores, scenarios and profile parameters as the bench resolved them. Never contains a token. */
	config: z.record(z.string(), z.unknown()),
	target: targetSchema,
	/** The machine that generated the load; absent for `source: "k6"` (a k6 summary does not record it). */
	environment: environmentSchema.optional(),
});

/** Traits the Worker reports at `GET /api/stores`, copied into the results so the report can show them. */
export const storeTraitsSchema = z.object({
	name: storeName,
	consistencyModel: z.string(),
	atomicIncrement: z.boolean().optional(),
	compareAndSwap: z.boolean().optional(),
	localCaveats: z.array(z.string()).optional(),
});

export const timelinePointSchema = z.object({
	second: count,
	requests: count,
	errors: count,
	p50Us: nonNegative.nullable(),
	p99Us: nonNegative.nullable(),
});

export const latencyResultSchema = z.object({
	scenario: z.string().min(1),
	/** null for operations that touch no store (`health`). */
	store: storeName.nullable(),
	operation: z.enum(LATENCY_OPERATIONS),
	model: z.enum(["closed", "open"]),
	connections: count,
	/** Target arrival rate in requests/s (open model only). */
	rate: nonNegative.optional(),
	durationS: nonNegative,
	warmupS: nonNegative,
	requests: count,
	errors: z.object({ total: count, byKind: z.record(z.string(), count) }),
	rps: nonNegative,
	/** Corrected for coordinated omission in the open model (measured from the intended start). */
	latencyUs: latencyPercentilesSchema,
	uncorrectedLatencyUs: percentileSummarySchema.optional(),
	/** Absent only in rows from a k6 summary (`source: "k6"`), which carries percentiles, not histograms. */
	histogram: encodedHistogram.optional(),
	uncorrectedHistogram: encodedHistogram.optional(),
	/** Storage time parsed from `Server-Timing: store;dur=…`. */
	storeTimeUs: percentileSummarySchema.optional(),
	lateStarts: count.optional(),
	droppedStarts: count.optional(),
	timeline: z.array(timelinePointSchema),
});

export const contentionResultSchema = z.object({
	store: storeName,
	mode: z.enum(["naive", "atomic"]),
	clients: count,
	incrementsPerClient: count,
	expected: count,
	/** Value read back after the run; null when the read-back failed. */
	final: z.number().int().nullable(),
	/** expected − final; null when final is null. */
	lost: z.number().int().nullable(),
	attempts: count,
	retries: count,
	durationMs: nonNegative,
	errors: count,
});

/** One operation of a recorded history, in the format `npm run check-history` reads (see DESIGN). */
export const historyOperationSchema = z.looseObject({
	client: z.number().int(),
	key: z.string(),
	f: z.enum(["read", "write", "cas", "increment"]),
	call: z.number(),
	return: z.number().nullable(),
	value: z.number().nullable().optional(),
	from: z.number().nullable().optional(),
	to: z.number().optional(),
	ok: z.boolean().optional(),
	by: z.number().optional(),
	outcome: z.literal("unknown").optional(),
});

export const linearizabilityResultSchema = z.object({
	store: storeName,
	workload: z.string().min(1),
	operations: count,
	keys: count,
	clients: count,
	verdict: z.enum(["ok", "illegal", "unknown"]),
	counterexample: z.string().optional(),
	durationMs: nonNegative,
	/** The checked history, bounded in size; `truncated` says operations were left out. */
	history: z
		.object({ operations: z.array(historyOperationSchema), truncated: z.boolean().optional() })
		.optional(),
});

const guaranteeCount = z.object({ checks: count, violations: count });

export const sessionGuaranteesResultSchema = z.object({
	store: storeName,
	readYourWrites: guaranteeCount,
	monotonicReads: guaranteeCount,
});

export const visibilityResultSchema = z.object({
	store: storeName,
	samples: count,
	notVisible: count,
	/** null when no sample became visible. */
	timeToVisibleMs: z.object({ p50: nonNegative, p99: nonNegative, max: nonNegative }).nullable(),
	cdf: z.array(z.object({ ms: nonNegative, fraction: z.number().min(0).max(1) })),
	locations: z
		.array(z.object({ region: z.string(), colo: z.string().nullable(), ms: nonNegative.nullable() }))
		.optional(),
	/** What this measurement cannot show (e.g. a local run cannot show KV propagation delay). */
	note: z.string().optional(),
});

export const sessionExpiryResultSchema = z.object({
	store: storeName,
	ttlSeconds: nonNegative,
	probes: count,
	/** Time after creation when the session was first seen gone; null when never seen expired. */
	expiredAfterMs: nonNegative.nullable(),
	/** expiredAfterMs − ttlSeconds·1000: positive = late, negative = early. */
	errorMs: z.number().nullable(),
	note: z.string().optional(),
});

export const pubsubResultSchema = z.object({
	subscribers: count,
	messages: count,
	publishRate: nonNegative,
	delivered: count,
	lost: count,
	duplicates: count,
	outOfOrder: count,
	latencyUs: percentileSummarySchema,
	histogram: encodedHistogram,
});

export const generatorHealthSchema = z.object({
	eventLoopLagMs: z.object({ p50: nonNegative, p99: nonNegative, max: nonNegative }),
	saturated: z.boolean(),
	warnings: z.array(z.string()),
});

export const thresholdResultSchema = z.object({
	name: z.string().min(1),
	description: z.string(),
	limit: z.union([z.number(), z.string()]),
	actual: z.union([z.number(), z.string()]).nullable(),
	pass: z.boolean(),
});

export const runErrorSchema = z.object({
	scenario: z.string().optional(),
	store: storeName.optional(),
	kind: z.string().min(1),
	message: z.string(),
	at: isoTime,
});

export const verdictSchema = z.object({
	completed: z.boolean(),
	passed: z.boolean(),
	summary: z.string(),
});

const PERCENTILE_FIELDS = ["p50", "p90", "p99", "p999", "max", "mean"] as const;

/** The whole `results.json`. Scenario sections are optional: absent means "not run". */
export const benchResultsSchema = z
	.object({
		schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
		source: z.enum(["bench", "k6"]),
		run: runInfoSchema,
		stores: z.array(storeTraitsSchema).optional(),
		latency: z.array(latencyResultSchema).optional(),
		contention: z.array(contentionResultSchema).optional(),
		linearizability: z.array(linearizabilityResultSchema).optional(),
		sessionGuarantees: z.array(sessionGuaranteesResultSchema).optional(),
		visibility: z.array(visibilityResultSchema).optional(),
		sessionExpiry: z.array(sessionExpiryResultSchema).optional(),
		pubsub: pubsubResultSchema.optional(),
		generator: generatorHealthSchema.optional(),
		thresholds: z.array(thresholdResultSchema),
		errors: z.array(runErrorSchema),
		verdict: verdictSchema,
	})
	.superRefine((results, context) => {
		// What only k6 may leave out: the bench always measures the environment, histograms and every percentile.
		if (results.source !== "bench") return;
		if (!results.run.environment)
			context.addIssue({
				code: "custom",
				path: ["run", "environment"],
				message: "required for source bench",
			});
		for (const [index, row] of (results.latency ?? []).entries()) {
			if (row.histogram === undefined)
				context.addIssue({
					code: "custom",
					path: ["latency", index, "histogram"],
					message: "required for source bench",
				});
			for (const field of PERCENTILE_FIELDS) {
				if (row.latencyUs[field] === undefined)
					context.addIssue({
						code: "custom",
						path: ["latency", index, "latencyUs", field],
						message: "required for source bench",
					});
			}
		}
	});

export type BenchResults = z.infer<typeof benchResultsSchema>;
export type PercentileSummary = z.infer<typeof percentileSummarySchema>;
export type Target = z.infer<typeof targetSchema>;
export type Environment = z.infer<typeof environmentSchema>;
export type RunInfo = z.infer<typeof runInfoSchema>;
export type StoreTraits = z.infer<typeof storeTraitsSchema>;
export type LatencyOperation = (typeof LATENCY_OPERATIONS)[number];
export type TimelinePoint = z.infer<typeof timelinePointSchema>;
export type LatencyResult = z.infer<typeof latencyResultSchema>;
export type ContentionResult = z.infer<typeof contentionResultSchema>;
export type HistoryOperation = z.infer<typeof historyOperationSchema>;
export type LinearizabilityResult = z.infer<typeof linearizabilityResultSchema>;
export type SessionGuaranteesResult = z.infer<typeof sessionGuaranteesResultSchema>;
export type VisibilityResult = z.infer<typeof visibilityResultSchema>;
export type SessionExpiryResult = z.infer<typeof sessionExpiryResultSchema>;
export type PubsubResult = z.infer<typeof pubsubResultSchema>;
export type GeneratorHealth = z.infer<typeof generatorHealthSchema>;
export type ThresholdResult = z.infer<typeof thresholdResultSchema>;
export type RunError = z.infer<typeof runErrorSchema>;
export type Verdict = z.infer<typeof verdictSchema>;

const MAX_LISTED_ISSUES = 8;

function formatPath(path: readonly PropertyKey[]): string {
	let out = "";
	for (const part of path) {
		if (typeof part === "number") out += `[${part}]`;
		else out += out === "" ? String(part) : `.${String(part)}`;
	}
	return out === "" ? "(root)" : out;
}

/**
 * Validates parsed JSON as a results file of this schema version and returns it typed.
 * Throws an Error naming every offending field path (up to 8), or saying which schema version
 * wrote the file when it is not this one.
 */
export function parseResults(json: unknown): BenchResults {
	if (typeof json !== "object" || json === null || Array.isArray(json)) {
		throw new Error("Not a Workers State Lab results file: expected a JSON object at the top level.");
	}
	const version = (json as { schemaVersion?: unknown }).schemaVersion;
	if (version === undefined) {
		throw new Error("Not a Workers State Lab results file: the field schemaVersion is missing.");
	}
	if (version !== RESULTS_SCHEMA_VERSION) {
		throw new Error(
			`This results file was written by schema version ${JSON.stringify(version)}; this report reads version ` +
				`${RESULTS_SCHEMA_VERSION}. Re-run \`npm run bench\` with this checkout, or render the file with the ` +
				"version of the project that wrote it.",
		);
	}
	const parsed = benchResultsSchema.safeParse(json);
	if (parsed.success) return parsed.data;
	const issues = parsed.error.issues;
	const lines = issues
		.slice(0, MAX_LISTED_ISSUES)
		.map((issue) => `  - ${formatPath(issue.path)}: ${issue.message}`);
	if (issues.length > MAX_LISTED_ISSUES) lines.push(`  - … and ${issues.length - MAX_LISTED_ISSUES} more`);
	throw new Error(
		`Invalid results file (schema version ${RESULTS_SCHEMA_VERSION}), ${issues.length} problem(s):\n${lines.join("\n")}`,
	);
}
