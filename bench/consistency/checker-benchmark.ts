// `npm run bench:checker`: times the linearizability checker on seeded generated histories and
// exits non-zero when a budget is exceeded or a verdict is wrong. Figures go to docs/performance.md.

import type { History } from "./history.ts";
import { checkHistory } from "./linearizability-checker.ts";
import { type SimulationOptions, simulateRegisterHistory } from "./register-history-simulation.ts";

interface Case {
	name: string;
	options: SimulationOptions;
	budgetMs: number;
}

/**
 * The same history with one stale read: the last completed read of key `k0` returns the first value
 * ever written to it (by then overwritten), so the checker must find that no order exists.
 */
function withStaleRead(options: SimulationOptions): History {
	const { history, trace } = simulateRegisterHistory(options);
	const ops = history.operations;
	const first = ops.findIndex((op, i) => op.key === "k0" && op.return !== null && trace[i]?.changed);
	const last = ops.findLastIndex((op) => op.key === "k0" && op.f === "read" && op.return !== null);
	const stale = trace[first]?.after ?? null;
	return { operations: ops.map((op, i) => (i === last && op.f === "read" ? { ...op, value: stale } : op)) };
}

const CASES: Case[] = [
	{
		name: "10,000 operations, 100 keys, 10 clients",
		options: { seed: 20260101, operations: 10_000, keys: 100, clients: 10 },
		budgetMs: 1_000,
	},
	{
		name: "1,000 operations, 1 key, 10 clients, 5 % unknown outcomes",
		options: { seed: 20260102, operations: 1_000, keys: 1, clients: 10, unknownRate: 0.05 },
		budgetMs: 2_000,
	},
];
const WARM_RUNS = 5;

let failed = false;
for (const c of CASES) {
	for (const injected of [false, true]) {
		const history = injected ? withStaleRead(c.options) : simulateRegisterHistory(c.options).history;
		const expected = injected ? "illegal" : "ok";
		const unknown = history.operations.filter((op) => op.return === null).length;
		// The first check in this process is the one that counts (no JIT warm-up); later runs show the steady state.
		const first = checkHistory(history, { timeoutMs: 30_000 });
		const warm: number[] = [];
		for (let i = 0; i < WARM_RUNS; i++) warm.push(checkHistory(history, { timeoutMs: 30_000 }).durationMs);
		warm.sort((a, b) => a - b);
		const median = warm[Math.floor(WARM_RUNS / 2)] as number;
		const pass = first.verdict === expected && first.durationMs <= c.budgetMs;
		if (!pass) failed = true;
		console.log(
			`${c.name}${injected ? ", one stale read injected" : ""} (seed ${c.options.seed}, ${unknown} unknown): ` +
				`verdict ${first.verdict} (expected ${expected}), first check ${first.durationMs.toFixed(0)} ms, ` +
				`warm median ${median.toFixed(0)} ms of ${WARM_RUNS} (budget ${c.budgetMs} ms) ${pass ? "PASS" : "FAIL"}`,
		);
	}
}
process.exit(failed ? 1 : 0);
