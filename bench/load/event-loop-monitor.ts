import { monitorEventLoopDelay } from "node:perf_hooks";

/** How busy the load generator itself was: if it is saturated, its latencies describe Node, not the target. */
export interface GeneratorHealth {
	/** Event-loop delay percentiles in milliseconds. */
	eventLoopDelayMs: { p50: number; p99: number; max: number };
	/** Process CPU time (user + system) divided by wall time; 1 = one core fully busy. */
	cpuCores: number;
	/** True when the event loop lagged enough to distort measured latencies. */
	saturated: boolean;
	/** Why `saturated` is true (empty when it is not). */
	reason: string;
}

/** Event-loop delay p99 above which timestamps are too late to trust. */
export const SATURATION_P99_MS = 50;

/** Start watching this process's event loop; `stop()` returns what it saw. */
export function startEventLoopMonitor(): { stop(): GeneratorHealth } {
	const histogram = monitorEventLoopDelay({ resolution: 10 });
	histogram.enable();
	const cpuStart = process.cpuUsage();
	const wallStart = performance.now();
	return {
		stop() {
			histogram.disable();
			const cpu = process.cpuUsage(cpuStart);
			const wallMs = Math.max(1, performance.now() - wallStart);
			const count = histogram.count;
			// The monitor's own sampling resolution (10 ms) is subtracted so an idle loop reads ~0.
			const lag = (ns: number) => (count === 0 ? 0 : Math.max(0, Math.round((ns / 1e6 - 10) * 100) / 100));
			const eventLoopDelayMs = {
				p50: lag(histogram.percentile(50)),
				p99: lag(histogram.percentile(99)),
				max: lag(histogram.max),
			};
			const cpuCores = Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 100) / 100;
			const saturated = eventLoopDelayMs.p99 > SATURATION_P99_MS;
			return {
				eventLoopDelayMs,
				cpuCores,
				saturated,
				reason: saturated
					? `load generator event loop lagged (p99 ${eventLoopDelayMs.p99} ms > ${SATURATION_P99_MS} ms); latencies include client-side delay`
					: "",
			};
		},
	};
}
