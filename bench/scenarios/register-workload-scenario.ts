import type { LinearizabilityResult } from "../../report/results-schema.ts";
import type { HistoryOperation } from "../consistency/history.ts";
import { checkHistory } from "../consistency/linearizability-checker.ts";
import {
	boundHistory,
	nextRegisterRequest,
	registerHttpRequest,
	toHistoryOperation,
	valueSeen,
} from "./register-history.ts";
import type { Scenario } from "./scenario.ts";
import { monotonicUs, StoreConnection } from "./store-connection.ts";

const WORKLOAD = "register: read/write/cas/increment";
const WORKLOAD_NO_CAS = "register: read/write/increment (naive)";

/**
 * linearizable: concurrent clients (one connection each) issue random reads, writes, compare-and-swaps
 * and increments on a few keys per store; every operation is recorded with its call and return time
 * (µs, one monotonic clock) into a history, which the linearizability checker then judges. Stores
 * without compare-and-swap get reads, writes and naive increments. A timeout or dropped connection
 * is recorded as an unknown outcome; the history kept in results.json is bounded.
 */
export const registerWorkloadScenario: Scenario = {
	name: "linearizability",
	description: "linearizable: random read/write/cas/increment history per store, checked",
	async run(context, results) {
		const params = context.profile.consistency.registerWorkload;
		const rows: LinearizabilityResult[] = results.linearizability ?? [];
		results.linearizability = rows;
		for (const store of context.stores) {
			if (context.signal.aborted) return;
			const casSupported = store.compareAndSwap.supported;
			const incrementMode = store.atomicIncrement.supported ? "atomic" : "naive";
			const keys = Array.from(
				{ length: params.keys },
				(_, i) => `${context.runPrefix}-register-${store.name}-${i}`,
			);
			for (const key of keys) context.cleanup.counter(store.name, key);
			context.progress.begin({
				scenario: "linearizability",
				store: store.name,
				detail: `${params.clients} clients × ${params.operationsPerClient} ops`,
			});
			const connection = new StoreConnection(context.target.origin, {
				connections: params.clients,
				headers: context.client.headers,
				timeoutMs: context.profile.timeoutMs,
			});
			const operations: HistoryOperation[] = [];
			const originUs = monotonicUs();
			let lastTick = performance.now();
			let tickRequests = 0;
			let unknown = 0;
			try {
				await Promise.all(
					Array.from({ length: params.clients }, async (_, client) => {
						const lastSeen = new Map<string, number | null>();
						for (let i = 0; i < params.operationsPerClient && !context.signal.aborted; i++) {
							const request = nextRegisterRequest(Math.random, client, keys, lastSeen, casSupported);
							const http = registerHttpRequest(store.name, request, incrementMode);
							const outcome = await connection.call(http.method, http.path, http.body, {}, context.signal);
							const op = toHistoryOperation(request, outcome, originUs);
							operations.push(op);
							if (op.return === null) unknown++;
							const seen = valueSeen(op);
							if (seen !== undefined) lastSeen.set(op.key, seen);
							tickRequests++;
							const now = performance.now();
							if (now - lastTick >= 1000) {
								context.progress.tick({ requests: tickRequests, errors: unknown, rps: tickRequests });
								tickRequests = 0;
								lastTick = now;
							}
						}
					}),
				);
			} finally {
				await connection.close();
			}
			if (context.signal.aborted) return;
			const history = { operations };
			const check = checkHistory(history, { timeoutMs: params.checkerTimeoutMs });
			const kept = boundHistory(operations, params.maxHistoryOperations);
			rows.push({
				store: store.name,
				workload: casSupported ? WORKLOAD : WORKLOAD_NO_CAS,
				operations: operations.length,
				keys: new Set(operations.map((op) => op.key)).size,
				clients: params.clients,
				verdict: check.verdict,
				...(check.counterexample ? { counterexample: check.counterexample } : {}),
				durationMs: Math.round(check.durationMs * 10) / 10,
				history: {
					operations: kept.operations.map(({ outcome, ...op }) =>
						outcome === "unknown" ? { ...op, outcome } : op,
					),
					...(kept.truncated ? { truncated: true } : {}),
				},
			});
			if (operations.length > 0 && unknown === operations.length) {
				context.reportError({
					scenario: "linearizability",
					store: store.name,
					kind: "all_requests_failed",
					message: `every one of ${operations.length} operations had an unknown outcome`,
				});
			}
			context.progress.end(
				`${check.verdict}  ${operations.length} ops (${unknown} unknown)  checked in ${check.durationMs.toFixed(0)} ms`,
			);
		}
	},
};
