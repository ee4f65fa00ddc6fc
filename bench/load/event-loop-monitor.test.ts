import { expect, it } from "vitest";
import { SATURATION_P99_MS, startEventLoopMonitor } from "./event-loop-monitor.ts";

it("flags a generator whose event loop was blocked, and says by how much", async () => {
	const monitor = startEventLoopMonitor();
	await new Promise((r) => setTimeout(r, 100));
	const until = performance.now() + 300;
	while (performance.now() < until) {
		// Busy: no timer, socket or response callback can run now.
	}
	await new Promise((r) => setTimeout(r, 50));
	const health = monitor.stop();
	expect(health.eventLoopDelayMs.max).toBeGreaterThanOrEqual(250);
	expect(health.eventLoopDelayMs.p99).toBeGreaterThan(SATURATION_P99_MS);
	expect(health.saturated).toBe(true);
	expect(health.reason).toContain(`> ${SATURATION_P99_MS} ms`);
	expect(health.cpuCores).toBeGreaterThan(0);
});
