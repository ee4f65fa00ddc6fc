import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../../bench/target/wrangler-dev.ts";

// Load on the atomic increments: 64 clients each send 50 `mode=atomic`
// increments, one after another, to one key per store. The total must be
// exact, and the values the answers carry must be exactly 1..3200, each once:
// that is what "no lost update" means, seen from the clients. R2's
// compare-and-swap loop may give up with 409 cas_exhausted under this much
// contention; the client then retries, as the API asks, and the retries are
// reported. The figures go to docs/reliability.md.

const CLIENTS = 64;
const INCREMENTS = 50;
const ATOMIC_STORES = ["do", "d1", "r2"] as const;

let dev: WranglerDev;
beforeAll(async () => {
	dev = await startWranglerDev();
});
afterAll(async () => {
	await dev?.stop();
});

describe(`${CLIENTS} clients × ${INCREMENTS} atomic increments on one key`, () => {
	it.each(ATOMIC_STORES)(
		`%s ends at exactly ${CLIENTS * INCREMENTS}, every value answered once`,
		async (store) => {
			const key = `load-${store}`;
			const url = `${dev.url}/api/${store}/counters/${key}/increment?mode=atomic`;
			const values: number[] = [];
			let attempts = 0;
			let exhausted = 0;
			const started = performance.now();
			await Promise.all(
				Array.from({ length: CLIENTS }, async () => {
					for (let done = 0; done < INCREMENTS; ) {
						const res = await fetch(url, { method: "POST", signal: AbortSignal.timeout(30_000) });
						const body = (await res.json()) as {
							value: number;
							attempts: number;
							error?: { code: string; attempts: number };
						};
						if (res.status === 409 && body.error?.code === "cas_exhausted") {
							exhausted++;
							attempts += body.error.attempts;
							continue;
						}
						expect(res.status, JSON.stringify(body)).toBe(200);
						values.push(body.value);
						attempts += body.attempts;
						done++;
					}
				}),
			);
			const seconds = (performance.now() - started) / 1000;
			const final = await (await fetch(`${dev.url}/api/${store}/counters/${key}`)).json();
			const total = CLIENTS * INCREMENTS;
			console.log(
				`${store}: ${total} atomic increments from ${CLIENTS} clients in ${seconds.toFixed(1)} s; final ${JSON.stringify(final)}; ` +
					`attempts ${attempts} (${(attempts / total).toFixed(2)} per increment), 409 cas_exhausted answers retried ${exhausted}`,
			);
			expect(final).toEqual({ value: total });
			expect(values.sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
		},
	);
});
