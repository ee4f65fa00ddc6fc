import * as hdr from "hdr-histogram-js";

/** Percentiles in microseconds, as they appear in results and on the terminal. */
export interface LatencyPercentiles {
	count: number;
	min: number;
	mean: number;
	p50: number;
	p90: number;
	p99: number;
	p999: number;
	max: number;
}

/**
 * An HDR histogram of latencies in microseconds (1 µs … auto-resized, 3 significant digits).
 * Memory stays constant whatever the number of recorded values, so a 60 s run keeps no per-request data.
 */
export class LatencyHistogram {
	readonly #histogram: hdr.Histogram;

	constructor(histogram?: hdr.Histogram) {
		this.#histogram =
			histogram ??
			hdr.build({
				bitBucketSize: 32,
				autoResize: true,
				lowestDiscernibleValue: 1,
				highestTrackableValue: 60_000_000,
				numberOfSignificantValueDigits: 3,
			});
	}

	/** Rebuild a histogram from {@link LatencyHistogram.encode}'s base64 text. */
	static decode(base64: string): LatencyHistogram {
		return new LatencyHistogram(hdr.decodeFromCompressedBase64(base64, 32));
	}

	/** Record one latency; values are rounded to whole microseconds and clamped to ≥ 1. */
	record(microseconds: number): void {
		this.#histogram.recordValue(Math.max(1, Math.round(microseconds)));
	}

	/** Add every value of `other` to this histogram. */
	merge(other: LatencyHistogram): void {
		this.#histogram.add(other.#histogram);
	}

	/** Forget every recorded value (used for per-second timeline buckets). */
	reset(): void {
		this.#histogram.reset();
	}

	get count(): number {
		return this.#histogram.totalCount;
	}

	/** The value (µs) at `percentile` (0–100); 0 when empty. */
	percentile(percentile: number): number {
		return this.count === 0 ? 0 : this.#histogram.getValueAtPercentile(percentile);
	}

	/** The usual percentiles in microseconds (all 0 when empty). */
	percentiles(): LatencyPercentiles {
		const h = this.#histogram;
		if (h.totalCount === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
		return {
			count: h.totalCount,
			// Percentile 0 and 100 give bucket-equivalent values, so a decoded histogram reports the same.
			min: h.getValueAtPercentile(0),
			mean: Math.round(h.mean),
			p50: h.getValueAtPercentile(50),
			p90: h.getValueAtPercentile(90),
			p99: h.getValueAtPercentile(99),
			p999: h.getValueAtPercentile(99.9),
			max: h.getValueAtPercentile(100),
		};
	}

	/** Compressed base64 (the HdrHistogram V2 format other HDR tools read). */
	encode(): string {
		return hdr.encodeIntoCompressedBase64(this.#histogram);
	}
}
