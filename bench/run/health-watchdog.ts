import type { TargetClient } from "../target/target-client.ts";

const PROBE_EVERY_MS = 1000;
const PROBE_TIMEOUT_MS = 3000;
const MAX_CONSECUTIVE_FAILURES = 3;
const MAX_SILENCE_MS = 10_000;

/**
 * Probe `GET /api/health` once a second while a run is in progress and call `onDead` when the target
 * is gone: three failed probes in a row, or no healthy answer for 10 s. Together with per-request
 * timeouts this stops a run against a dead target well within 15 s.
 */
export function startHealthWatchdog(
	client: TargetClient,
	onDead: (reason: string) => void,
): { stop(): void } {
	let stopped = false;
	let failures = 0;
	let lastHealthy = performance.now();
	let lastError = "";
	const controller = new AbortController();
	const loop = async () => {
		while (!stopped) {
			try {
				const res = await fetch(`${client.origin}/api/health`, {
					signal: AbortSignal.any([controller.signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]),
				});
				await res.arrayBuffer();
				if (res.ok) {
					failures = 0;
					lastHealthy = performance.now();
				} else {
					failures++;
					lastError = `HTTP ${res.status}`;
				}
			} catch (error) {
				if (stopped) return;
				failures++;
				const cause = (error as { cause?: { code?: string } }).cause?.code;
				lastError = cause ?? (error instanceof Error ? error.message : String(error));
			}
			const silentMs = performance.now() - lastHealthy;
			if (failures >= MAX_CONSECUTIVE_FAILURES || silentMs >= MAX_SILENCE_MS) {
				onDead(
					`the target stopped answering ${client.origin}/api/health (${failures} failed probes, last: ${lastError}, ` +
						`no healthy answer for ${(silentMs / 1000).toFixed(1)} s)`,
				);
				return;
			}
			await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
		}
	};
	void loop();
	return {
		stop() {
			stopped = true;
			controller.abort();
		},
	};
}
