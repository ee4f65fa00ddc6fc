import { decodeFromCompressedBase64 } from "hdr-histogram-js";

/** One point of a percentile spectrum: `x` = 1 / (1 − percentile), `ms` = latency at that percentile. */
export interface SpectrumPoint {
	x: number;
	ms: number;
}

/** Quarter-decade steps along the "nines" axis: 0 %, 43.8 %, 68.4 %, 82.2 %, 90 %, … */
const STEPS_PER_DECADE = 4;

/**
 * Decodes a base64 HDR histogram (values in µs) into its percentile spectrum in milliseconds, from the
 * minimum up to the maximum, with no more resolution than the sample count supports.
 * Returns null for an empty or undecodable histogram.
 */
export function percentileSpectrum(encoded: string): SpectrumPoint[] | null {
	let histogram: ReturnType<typeof decodeFromCompressedBase64>;
	try {
		histogram = decodeFromCompressedBase64(encoded);
	} catch {
		return null;
	}
	try {
		const total = histogram.totalCount;
		if (total === 0) return null;
		const points: SpectrumPoint[] = [];
		for (let step = 0; ; step++) {
			const x = 10 ** (step / STEPS_PER_DECADE);
			if (x > total) break;
			const percentile = (1 - 1 / x) * 100;
			points.push({ x: round(x), ms: histogram.getValueAtPercentile(percentile) / 1000 });
		}
		points.push({ x: Math.max(total, 1.0001), ms: histogram.maxValue / 1000 });
		return points;
	} finally {
		histogram.destroy();
	}
}

function round(value: number): number {
	return Math.round(value * 1000) / 1000;
}
