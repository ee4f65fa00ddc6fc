import { describe, expect, it } from "vitest";
import type { LatencyResult } from "../../report/results-schema.ts";
import { PROFILES } from "../scenarios/profiles.ts";
import { decideVerdict, evaluateThresholds, exitCodeOf } from "./thresholds.ts";

const percentiles = { p50: 1000, p90: 2000, p99: 3000, p999: 4000, max: 5000, mean: 1200 };

function step(requests: number, byKind: Record<string, number>): LatencyResult {
	const total = Object.values(byKind).reduce((a, b) => a + b, 0);
	return {
		scenario: "counter-read",
		store: "kv",
		operation: "counter-read",
		model: "closed",
		connections: 4,
		durationS: 1,
		warmupS: 0,
		requests,
		errors: { total, byKind },
		rps: requests,
		latencyUs: percentiles,
		histogram: "",
		timeline: [],
	};
}

const profile = PROFILES.standard;
const byName = (checks: ReturnType<typeof evaluateThresholds>, name: string) =>
	checks.find((c) => c.name === name);

describe("thresholds", () => {
	it("computes the error rate over every step, leaving 429s to their own check", () => {
		const checks = evaluateThresholds(
			{ latency: [step(1000, { http_5xx: 5, http_429: 30 }), step(1000, { timeout: 5 })], errors: [] },
			profile,
		);
		expect(byName(checks, "error-rate")).toMatchObject({ actual: 0.005, limit: 0.01, pass: true });
		expect(byName(checks, "rate-limited")).toMatchObject({ actual: 0.015, pass: true });
	});

	it("fails when too many requests failed", () => {
		const checks = evaluateThresholds({ latency: [step(100, { connection: 2 })], errors: [] }, profile);
		expect(byName(checks, "error-rate")).toMatchObject({ actual: 0.02, pass: false });
	});

	it("flags a load generator that lagged in too many steps", () => {
		const lagging = evaluateThresholds({ errors: [], generatorSteps: { total: 48, saturated: 6 } }, profile);
		expect(byName(lagging, "generator-saturation")).toMatchObject({ actual: 0.125, limit: 0.1, pass: false });
		const fine = evaluateThresholds({ errors: [], generatorSteps: { total: 48, saturated: 2 } }, profile);
		expect(byName(fine, "generator-saturation")).toMatchObject({ actual: 0.0417, pass: true });
	});

	it("checks pub/sub loss against the messages expected by every subscriber", () => {
		const pubsub = {
			subscribers: 10,
			messages: 100,
			publishRate: 50,
			delivered: 999,
			lost: 1,
			duplicates: 0,
			outOfOrder: 0,
			latencyUs: percentiles,
			histogram: "",
		};
		const checks = evaluateThresholds({ pubsub, errors: [] }, profile);
		expect(byName(checks, "pubsub-loss")).toMatchObject({ actual: 0.001, pass: false });
		// Nothing measured, nothing checked: no latency thresholds without latency steps.
		expect(byName(checks, "error-rate")).toBeUndefined();
	});
});

describe("verdict", () => {
	const pass = evaluateThresholds({ latency: [step(100, {})], errors: [] }, profile);

	it("passes (exit 0) only when the run completed and every threshold held", () => {
		const verdict = decideVerdict(pass, [], null);
		expect(verdict).toEqual({
			completed: true,
			passed: true,
			summary: "PASS: the run completed and all 2 thresholds held",
		});
		expect(exitCodeOf(verdict)).toBe(0);
	});

	it("says so when no threshold applies to the scenarios that ran", () => {
		const verdict = decideVerdict([], [], null);
		expect(verdict).toEqual({
			completed: true,
			passed: true,
			summary: "PASS: the run completed (no threshold applies to the scenarios that ran)",
		});
	});

	it("fails (exit 1) naming the threshold that did not hold", () => {
		const checks = evaluateThresholds({ latency: [step(100, { http_5xx: 50 })], errors: [] }, profile);
		const verdict = decideVerdict(checks, [], null);
		expect(verdict.passed).toBe(false);
		expect(verdict.completed).toBe(true);
		expect(verdict.summary).toBe("FAIL: error-rate 0.5 > 0.01");
		expect(exitCodeOf(verdict)).toBe(1);
	});

	it("is incomplete when the run was aborted or something failed outright", () => {
		const aborted = decideVerdict(pass, [], "the target stopped answering");
		expect(aborted).toMatchObject({ completed: false, passed: false });
		expect(aborted.summary).toContain("the target stopped answering");
		const failed = decideVerdict(
			pass,
			[{ kind: "channels_not_available", message: "no channels", at: new Date().toISOString() }],
			null,
		);
		expect(failed.summary).toBe("INCOMPLETE: 1 error(s), first: channels_not_available: no channels");
		expect(exitCodeOf(failed)).toBe(1);
	});
});
