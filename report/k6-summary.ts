import { createHash } from "node:crypto";
import {
	type BenchResults,
	LATENCY_OPERATIONS,
	type LatencyOperation,
	type LatencyResult,
	parseResults,
	RESULTS_SCHEMA_VERSION,
	type ThresholdResult,
} from "./results-schema.ts";

/** Where the summary came from, for the run header and the run's start time. */
export interface K6SummaryOptions {
	/** The summary file as the user named it (shown in the report). */
	fileName: string;
	/** When the file was written; the start time when the script did not record one in its setup data. */
	fileModifiedAt?: Date;
}

/** A file that is not a k6 end-of-test summary, or one the report cannot read latency rows from. */
export class K6SummaryError extends Error {
	override name = "K6SummaryError";
}

interface K6Metric {
	type: string;
	contains: string;
	values: Record<string, number>;
	thresholds?: Record<string, { ok: boolean }>;
}

/** k6's trend statistics → the report's percentile fields (the trend values are milliseconds). */
const TREND_FIELDS = [
	["med", "p50"],
	["p(90)", "p90"],
	["p(99)", "p99"],
	["p(99.9)", "p999"],
	["max", "max"],
	["avg", "mean"],
] as const;

/** Thresholds the exported scripts set only so k6 reports a submetric; they always hold. */
const ALWAYS_TRUE = /^\s*(max|count|rate)\s*>=\s*0\s*$/;

const THRESHOLD_DESCRIPTIONS: Record<string, string> = {
	http_req_failed: "k6: share of failed requests (429 answers excluded)",
	rate_limited: "k6: share of 429 (rate limited) answers",
	dropped_iterations: "k6: iterations the load generators could not start on time",
	http_req_duration: "k6: request duration (ms)",
};

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function notASummary(fileName: string, what: string): K6SummaryError {
	return new K6SummaryError(
		`${fileName} is not a k6 summary: ${what}. Expected the JSON that handleSummary() writes in a script from \`npm run bench:k6\` (k6 run … script.ts).`,
	);
}

/** Splits `http_req_duration{store:kv,operation:counter-read}` into its metric and tags (as k6 parses them). */
function splitMetricName(name: string): { metric: string; tags: Record<string, string> } | null {
	const match = /^([^{]+)\{(.*)\}$/.exec(name);
	if (!match) return null;
	const tags: Record<string, string> = {};
	for (const pair of (match[2] ?? "").split(",")) {
		if (pair.trim() === "") continue;
		const [key = "", value = ""] = pair.split(/:(.*)/s);
		tags[key.trim().replace(/^["']|["']$/g, "")] = value.trim().replace(/^["']|["']$/g, "");
	}
	return { metric: match[1] ?? "", tags };
}

function readMetrics(summary: Record<string, unknown>, fileName: string): Map<string, K6Metric> {
	const metrics = summary.metrics;
	if (!isRecord(metrics)) throw notASummary(fileName, "the field metrics is missing or not an object");
	const out = new Map<string, K6Metric>();
	for (const [name, metric] of Object.entries(metrics)) {
		if (!isRecord(metric) || typeof metric.type !== "string" || !isRecord(metric.values)) {
			throw notASummary(fileName, `the metric ${name} has no type or no values`);
		}
		const values: Record<string, number> = {};
		for (const [key, value] of Object.entries(metric.values)) {
			if (typeof value === "number" && Number.isFinite(value)) values[key] = value;
		}
		const thresholds: Record<string, { ok: boolean }> = {};
		if (isRecord(metric.thresholds)) {
			for (const [source, result] of Object.entries(metric.thresholds)) {
				if (isRecord(result) && typeof result.ok === "boolean") thresholds[source] = { ok: result.ok };
			}
		}
		out.set(name, {
			type: metric.type,
			contains: typeof metric.contains === "string" ? metric.contains : "default",
			values,
			thresholds: isRecord(metric.thresholds) ? thresholds : undefined,
		});
	}
	return out;
}

/** What the exported scripts put in their setup data (k6 copies it into the summary as setup_data). */
interface Plan {
	run: string | null;
	operation: string | null;
	profile: string | null;
	target: string | null;
	startedAt: Date | null;
	durationS: number | null;
	rate: number | null;
	skipped: Record<string, string>;
}

function readPlan(summary: Record<string, unknown>): Plan {
	const setup = isRecord(summary.setup_data) ? summary.setup_data : {};
	const plan = isRecord(setup.plan) ? setup.plan : {};
	const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : null);
	const positive = (value: unknown) =>
		typeof value === "number" && Number.isFinite(value) && value > 0 ? value : null;
	const started = text(plan.startedAt);
	const startedAt = started === null ? null : new Date(started);
	const skipped: Record<string, string> = {};
	if (isRecord(setup.skip)) {
		for (const [store, reason] of Object.entries(setup.skip))
			if (typeof reason === "string") skipped[store] = reason;
	}
	return {
		run: text(setup.run),
		operation: text(plan.operation),
		profile: text(plan.profile),
		target: text(plan.target),
		startedAt: startedAt && !Number.isNaN(startedAt.getTime()) ? startedAt : null,
		durationS: positive(plan.durationS),
		rate: positive(plan.rate),
		skipped,
	};
}

function isLocalUrl(url: string): boolean {
	try {
		const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
		return host === "localhost" || host === "::1" || host === "0.0.0.0" || /^127\./.test(host);
	} catch {
		return false;
	}
}

function count(metric: K6Metric | undefined, field: string): number | null {
	const value = metric?.values[field];
	return value === undefined ? null : Math.round(value);
}

/** Reads the `actual` of a threshold such as `rate<0.01` or `p(99)<500` from the metric's values. */
function thresholdActual(source: string, metric: K6Metric): number | null {
	const match = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)\s*(?:<=|>=|<|>|===|==|!=)/.exec(source);
	const value = match?.[1] === undefined ? undefined : metric.values[match[1]];
	return value === undefined ? null : value;
}

function thresholdsOf(metrics: Map<string, K6Metric>): ThresholdResult[] {
	const out: ThresholdResult[] = [];
	for (const [name, metric] of metrics) {
		for (const [source, { ok }] of Object.entries(metric.thresholds ?? {})) {
			if (ALWAYS_TRUE.test(source)) continue;
			const base = splitMetricName(name)?.metric ?? name;
			out.push({
				name: `${name} ${source.trim()}`,
				description: THRESHOLD_DESCRIPTIONS[base] ?? `k6: threshold on ${base}`,
				limit: source.trim(),
				actual: thresholdActual(source, metric),
				pass: ok,
			});
		}
	}
	return out;
}

function latencyRow(
	key: { store: string | null; operation: LatencyOperation; tags: string },
	metrics: Map<string, K6Metric>,
	context: { fileName: string; durationS: number; rate: number | null; vusMax: number },
): LatencyResult {
	const duration = metrics.get(`http_req_duration{${key.tags}}`);
	const failed = metrics.get(`http_req_failed{${key.tags}}`);
	if (failed?.type !== "rate") {
		throw new K6SummaryError(
			`${context.fileName}: the k6 summary has http_req_duration{${key.tags}} but no http_req_failed{${key.tags}} rate, so the failed requests of that store are unknown. Export the script again with \`npm run bench:k6\`.`,
		);
	}
	const failures = count(failed, "passes");
	const successes = count(failed, "fails");
	const requests =
		count(metrics.get(`http_reqs{${key.tags}}`), "count") ?? (failures ?? 0) + (successes ?? 0);
	const rateLimited = count(metrics.get(`rate_limited{${key.tags}}`), "passes") ?? 0;
	const byKind: Record<string, number> = {};
	if (failures) byKind.k6_http_req_failed = failures;
	if (rateLimited) byKind.http_429 = rateLimited;
	const latencyUs: LatencyResult["latencyUs"] = {};
	for (const [stat, field] of TREND_FIELDS) {
		const ms = duration?.values[stat];
		if (ms !== undefined) latencyUs[field] = Math.round(ms * 10_000) / 10;
	}
	const row: LatencyResult = {
		scenario: "k6",
		store: key.store,
		operation: key.operation,
		model: "open",
		connections: context.vusMax,
		durationS: context.durationS,
		warmupS: 0,
		requests,
		errors: { total: (failures ?? 0) + rateLimited, byKind },
		rps: Math.round((requests / context.durationS) * 10) / 10,
		latencyUs,
		timeline: [],
	};
	if (context.rate !== null) row.rate = context.rate;
	return row;
}

/**
 * Converts a k6 end-of-test summary (the JSON that `handleSummary()` of a `npm run bench:k6` script
 * writes) into results of this schema with `source: "k6"`: one latency row per
 * `http_req_duration{store:…,operation:…}` submetric, k6's thresholds, and the run as the script's setup
 * data recorded it. k6 keeps percentiles, not histograms: a statistic the summary lacks stays absent.
 * Throws a K6SummaryError naming what is missing when the input is not such a summary.
 */
export function k6SummaryToResults(summary: unknown, options: K6SummaryOptions): BenchResults {
	const { fileName } = options;
	if (!isRecord(summary)) throw notASummary(fileName, "expected a JSON object at the top level");
	if ("schemaVersion" in summary && "run" in summary) {
		throw new K6SummaryError(
			`${fileName} is a bench results file, not a k6 summary: render it with \`npm run report -- ${fileName}\` (without --k6-summary).`,
		);
	}
	const metrics = readMetrics(summary, fileName);
	const state = isRecord(summary.state) ? summary.state : null;
	const testRunDurationMs = state?.testRunDurationMs;
	if (typeof testRunDurationMs !== "number" || !Number.isFinite(testRunDurationMs) || testRunDurationMs < 0) {
		throw notASummary(fileName, "state.testRunDurationMs is missing");
	}
	const plan = readPlan(summary);

	const keys: Array<{ store: string | null; operation: LatencyOperation; tags: string }> = [];
	for (const [name, metric] of metrics) {
		const parsed = splitMetricName(name);
		if (parsed?.metric !== "http_req_duration" || parsed.tags.operation === undefined) continue;
		if (metric.type !== "trend" || metric.contains !== "time") {
			throw notASummary(fileName, `${name} is a ${metric.type} of ${metric.contains}, not a trend of time`);
		}
		const operation = parsed.tags.operation;
		if (!(LATENCY_OPERATIONS as readonly string[]).includes(operation)) {
			throw new K6SummaryError(
				`${fileName}: ${name} has the operation "${operation}", which the report does not know (known: ${LATENCY_OPERATIONS.join(", ")}).`,
			);
		}
		keys.push({
			store: parsed.tags.store ?? null,
			operation: operation as LatencyOperation,
			tags: name.slice(name.indexOf("{") + 1, -1),
		});
	}
	if (keys.length === 0) {
		throw new K6SummaryError(
			metrics.has("http_req_duration")
				? `${fileName}: the k6 summary has no http_req_duration{store:…,operation:…} submetrics, so latency cannot be told apart per store and operation. Run a script exported by \`npm run bench:k6\`, whose thresholds create them.`
				: notASummary(fileName, "it has no http_req_duration metric").message,
		);
	}

	const vusMax = count(metrics.get("vus_max"), "max") ?? count(metrics.get("vus_max"), "value");
	if (vusMax === null)
		throw notASummary(fileName, "the metric vus_max (k6's allocated virtual users) is missing");
	const durationS = plan.durationS ?? testRunDurationMs / 1000;
	const latency = keys.map((key) =>
		latencyRow(key, metrics, { fileName, durationS, rate: plan.rate, vusMax }),
	);

	const startedAt =
		plan.startedAt ??
		(options.fileModifiedAt ? new Date(options.fileModifiedAt.getTime() - testRunDurationMs) : null);
	if (startedAt === null) {
		throw new K6SummaryError(
			`${fileName}: the k6 summary does not say when the test ran (no setup_data.plan.startedAt) and no file time was given.`,
		);
	}
	const trendStats =
		isRecord(summary.options) && Array.isArray(summary.options.summaryTrendStats)
			? summary.options.summaryTrendStats.filter((stat): stat is string => typeof stat === "string")
			: [];
	const stores = [...new Set(latency.flatMap((row) => (row.store === null ? [] : [row.store])))];
	const operations = [...new Set(latency.map((row) => row.operation))];
	const config = {
		summaryFile: fileName,
		operations,
		stores,
		rate: plan.rate,
		scenarioDurationS: plan.durationS,
		summaryTrendStats: trendStats,
		runPrefix: plan.run,
		skippedStores: plan.skipped,
	};
	const thresholds = thresholdsOf(metrics);
	const failedThresholds = thresholds.filter((threshold) => !threshold.pass).length;
	const requests = latency.reduce((sum, row) => sum + row.requests, 0);
	const skipped = Object.entries(plan.skipped).map(([store, reason]) => `${store} (${reason})`);
	const target = plan.target ?? "not recorded in the k6 summary";

	return parseResults({
		schemaVersion: RESULTS_SCHEMA_VERSION,
		source: "k6",
		run: {
			startedAt: startedAt.toISOString(),
			finishedAt: new Date(startedAt.getTime() + testRunDurationMs).toISOString(),
			durationS: Math.round(testRunDurationMs) / 1000,
			profile: plan.profile ?? "k6",
			configHash: createHash("sha256")
				.update(JSON.stringify({ ...config, summaryFile: null, runPrefix: null }))
				.digest("hex")
				.slice(0, 16),
			config,
			target: {
				kind: plan.target !== null && isLocalUrl(plan.target) ? "local" : "production",
				url: target,
				colo: null,
				cfRay: null,
			},
		},
		latency,
		thresholds,
		errors: [],
		verdict: {
			completed: true,
			passed: failedThresholds === 0,
			summary:
				`k6 summary of ${operations.join(", ")}: ${requests.toLocaleString("en-US")} requests over ${stores.length} store(s); ` +
				(failedThresholds === 0
					? `all ${thresholds.length} k6 thresholds held.`
					: `${failedThresholds} of ${thresholds.length} k6 thresholds failed.`) +
				(skipped.length ? ` Skipped: ${skipped.join(", ")}.` : ""),
		},
	});
}
