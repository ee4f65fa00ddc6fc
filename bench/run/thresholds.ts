import pc from "picocolors";
import type { BenchResults, ThresholdResult, Verdict } from "../../report/results-schema.ts";
import type { Profile } from "../scenarios/profiles.ts";

/** The measured parts of a run that thresholds look at. */
export type MeasuredResults = Pick<BenchResults, "latency" | "pubsub" | "generator" | "errors">;

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
	if (results.generator) {
		const lag = results.generator.eventLoopLagMs.p99;
		checks.push({
			name: "generator-saturation",
			description:
				"load generator event-loop delay p99 in ms (above it, latencies include client-side delay)",
			limit: limits.maxEventLoopP99Ms,
			actual: lag,
			pass: lag <= limits.maxEventLoopP99Ms,
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
