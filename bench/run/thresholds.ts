import pc from "picocolors";
import type { BenchResults, ThresholdResult, Verdict } from "../../report/results-schema.ts";
import { SATURATION_P99_MS } from "../load/event-loop-monitor.ts";
import type { Profile } from "../scenarios/profiles.ts";

/** The measured parts of a run that thresholds look at. */
export type MeasuredResults = Pick<BenchResults, "latency" | "pubsub" | "generator" | "errors"> & {
	/** Measured steps, and how many of them had a lagging load generator. */
	generatorSteps?: { total: number; saturated: number };
};

const round = (value: number, digits = 4) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Check a run against its profile's thresholds. Thresholds with nothing to measure are left out. */
export function evaluateThresholds(results: MeasuredResults, profile: Profile): ThresholdResult[] {
	const limits = profile.thresholds;
	const checks: ThresholdResult[] = [];
	const latency = results.latency ?? [];
	const requests = latency.reduce((sum, r) => sum + r.requests, 0);
	if (requests > 0) {
		const rateLimited = latency.reduce((sum, r) => sum + (r.errors.byKind.http_429 ?? 0), 0);
		const failed = latency.reduce((sum, r) => sum + r.errors.total, 0) - rateLimited;
		const errorRate = round(failed / requests);
		checks.push({
			name: "error-rate",
			description: "failed requests (429s excluded) over all requests",
			limit: limits.maxErrorRate,
			actual: errorRate,
			pass: errorRate <= limits.maxErrorRate,
		});
		const limitedShare = round(rateLimited / requests);
		checks.push({
			name: "rate-limited",
			description: "429 (rate limited) answers over all requests",
			limit: limits.maxRateLimitedShare,
			actual: limitedShare,
			pass: limitedShare <= limits.maxRateLimitedShare,
		});
	}
	const steps = results.generatorSteps;
	if (steps && steps.total > 0) {
		const share = round(steps.saturated / steps.total);
		checks.push({
			name: "generator-saturation",
			description: `share of measured steps in which the load generator's event loop lagged (p99 > ${SATURATION_P99_MS} ms), so their latencies include client-side delay`,
			limit: limits.maxSaturatedStepShare,
			actual: share,
			pass: share <= limits.maxSaturatedStepShare,
		});
	}
	if (results.pubsub) {
		const expected = results.pubsub.messages * results.pubsub.subscribers;
		const lossRate = expected === 0 ? 1 : round(results.pubsub.lost / expected);
		checks.push({
			name: "pubsub-loss",
			description: "pub/sub messages lost over messages expected",
			limit: limits.maxPubsubLossRate,
			actual: lossRate,
			pass: lossRate <= limits.maxPubsubLossRate,
		});
	}
	return checks;
}

/**
 * The run's verdict: completed when it was not aborted and nothing failed outright;
 * passed when it completed and every threshold held.
 */
export function decideVerdict(
	thresholds: ThresholdResult[],
	errors: BenchResults["errors"],
	aborted: string | null,
): Verdict {
	const failed = thresholds.filter((t) => !t.pass);
	const completed = aborted === null && errors.length === 0;
	const passed = completed && failed.length === 0;
	let summary: string;
	if (aborted !== null) summary = `INCOMPLETE: the run stopped early (${aborted})`;
	else if (errors.length > 0)
		summary = `INCOMPLETE: ${errors.length} error(s), first: ${errors[0]?.kind}: ${errors[0]?.message}`;
	else if (failed.length > 0)
		summary = `FAIL: ${failed.map((t) => `${t.name} ${t.actual} > ${t.limit}`).join(", ")}`;
	else if (thresholds.length === 0)
		summary = "PASS: the run completed (no threshold applies to the scenarios that ran)";
	else if (thresholds.length === 1) summary = "PASS: the run completed and its one threshold held";
	else summary = `PASS: the run completed and all ${thresholds.length} thresholds held`;
	return { completed, passed, summary };
}

/** Exit code for a verdict: 0 only when the run completed and every threshold held. */
export function exitCodeOf(verdict: Verdict): 0 | 1 {
	return verdict.passed ? 0 : 1;
}

/** The verdict as one coloured terminal line. */
export function formatVerdict(verdict: Verdict): string {
	return verdict.passed ? pc.green(pc.bold(verdict.summary)) : pc.red(pc.bold(verdict.summary));
}
