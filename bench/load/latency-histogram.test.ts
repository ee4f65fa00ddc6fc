import { describe, expect, it } from "vitest";
import { LatencyHistogram } from "./latency-histogram.ts";

describe("LatencyHistogram", () => {
	it("reports percentiles of recorded microseconds", () => {
		const h = new LatencyHistogram();
		for (let us = 1; us <= 10_000; us++) h.record(us);
		const p = h.percentiles();
		expect(p.count).toBe(10_000);
		expect(p.min).toBe(1);
		// 3 significant digits: each value is within 0.1 % of the exact one.
		expect(p.p50).toBeGreaterThanOrEqual(4995);
		expect(p.p50).toBeLessThanOrEqual(5005);
		expect(p.p99).toBeGreaterThanOrEqual(9890);
		expect(p.p99).toBeLessThanOrEqual(9910);
		expect(p.max).toBeGreaterThanOrEqual(10_000);
		expect(p.max).toBeLessThanOrEqual(10_010);
	});

	it("is all zeros when empty", () => {
		expect(new LatencyHistogram().percentiles()).toEqual({
			count: 0,
			min: 0,
			mean: 0,
			p50: 0,
			p90: 0,
			p99: 0,
			p999: 0,
			max: 0,
		});
	});

	it("survives a base64 round trip unchanged", () => {
		const h = new LatencyHistogram();
		for (const us of [120, 450, 450, 900, 15_000, 2_000_000]) h.record(us);
		const encoded = h.encode();
		expect(encoded).toMatch(/^[A-Za-z0-9+/]+=*$/);
		const decoded = LatencyHistogram.decode(encoded);
		expect(decoded.percentiles()).toEqual(h.percentiles());
		expect(decoded.encode()).toBe(encoded);
	});

	it("merges histograms as if every value had been recorded in one", () => {
		const fast = new LatencyHistogram();
		const slow = new LatencyHistogram();
		const both = new LatencyHistogram();
		for (let i = 0; i < 900; i++) {
			fast.record(1000);
			both.record(1000);
		}
		for (let i = 0; i < 100; i++) {
			slow.record(50_000);
			both.record(50_000);
		}
		const merged = LatencyHistogram.decode(fast.encode());
		merged.merge(LatencyHistogram.decode(slow.encode()));
		expect(merged.percentiles()).toEqual(both.percentiles());
		expect(merged.count).toBe(1000);
		expect(merged.percentile(50)).toBeLessThan(1002);
		expect(merged.percentile(95)).toBeGreaterThan(49_900);
	});

	it("keeps values beyond the initial range (auto-resize) and clamps below 1 µs", () => {
		const h = new LatencyHistogram();
		h.record(0.2);
		h.record(120_000_000);
		expect(h.percentiles().min).toBe(1);
		expect(h.percentiles().max).toBeGreaterThanOrEqual(120_000_000);
	});
});
