/**
 * Seeded generator of linearizable register histories: clients issue overlapping operations with random
 * latencies, and each takes effect at a random instant between its call and return, applied to a
 * sequential register in that order. Used by the checker's property tests and `npm run bench:checker`.
 */
import type { History, HistoryOperation, RegisterValue } from "./history.ts";

/** What to generate. */
export interface SimulationOptions {
	seed: number;
	operations: number;
	keys: number;
	clients: number;
	/** Share of operations whose outcome is recorded as unknown (half of them took effect). Default 0. */
	unknownRate?: number;
	/** Longest operation latency in time units (default 100). */
	maxLatency?: number;
	/** Index of a write whose effect the store silently drops (it still answers ok): a lost write. */
	loseWrite?: number;
}

/** How each recorded operation really happened, for building injected anomalies. */
export interface OperationTrace {
	/** Instant the operation took effect (or would have). */
	point: number;
	/** Index of the operation that set the value it saw before taking effect; -1 for the initial absent state. */
	producer: number;
	/** The value after it (for writes, cas and increments that took effect). */
	after: RegisterValue;
	/** Whether it changed the register. */
	changed: boolean;
}

/** A generated history and how it really happened. */
export interface SimulatedHistory {
	history: History;
	trace: OperationTrace[];
}

/** Small fast seeded PRNG (mulberry32) returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

interface Planned {
	client: number;
	key: string;
	f: HistoryOperation["f"];
	call: number;
	point: number;
	return: number;
	unknown: boolean;
	takesEffect: boolean;
	choice: number;
}

/**
 * Generates a history that is linearizable by construction (unless `loseWrite` is set).
 * Written values are unique (multiples of 1 000 000) and increments add 1–3, so every value
 * a write, cas or increment produces is produced by that operation only.
 */
export function simulateRegisterHistory(options: SimulationOptions): SimulatedHistory {
	const random = seededRandom(options.seed);
	const maxLatency = options.maxLatency ?? 100;
	const unknownRate = options.unknownRate ?? 0;
	const clientTime = Array.from({ length: options.clients }, () => Math.floor(random() * maxLatency));
	const planned: Planned[] = [];
	for (let i = 0; i < options.operations; i++) {
		const client = i % options.clients;
		const call = clientTime[client] as number;
		const latency = 1 + Math.floor(random() * maxLatency);
		const point = call + random() * latency;
		const ret = call + latency;
		clientTime[client] = ret + Math.floor(random() * (maxLatency / 4));
		const r = random();
		const f = r < 0.4 ? "read" : r < 0.6 ? "write" : r < 0.8 ? "cas" : "increment";
		const unknown = random() < unknownRate;
		planned.push({
			client,
			key: `k${Math.floor(random() * options.keys)}`,
			f,
			call,
			point,
			return: ret,
			unknown,
			takesEffect: !unknown || random() < 0.5,
			choice: random(),
		});
	}

	const order = planned
		.map((_, i) => i)
		.sort((a, b) => (planned[a] as Planned).point - (planned[b] as Planned).point);
	const state = new Map<string, { value: RegisterValue; producer: number }>();
	const operations: HistoryOperation[] = new Array(planned.length);
	const trace: OperationTrace[] = new Array(planned.length);
	let fresh = 0;
	for (const i of order) {
		const p = planned[i] as Planned;
		const before = state.get(p.key) ?? { value: null, producer: -1 };
		const common = {
			client: p.client,
			key: p.key,
			call: p.call,
			return: p.unknown ? null : p.return,
			...(p.unknown ? { outcome: "unknown" as const } : {}),
		};
		let after: RegisterValue = before.value;
		let op: HistoryOperation;
		switch (p.f) {
			case "read":
				op = p.unknown ? { ...common, f: "read" } : { ...common, f: "read", value: before.value };
				break;
			case "write":
				after = 1_000_000 * ++fresh;
				op = { ...common, f: "write", value: after };
				break;
			case "cas": {
				const from = p.choice < 0.7 ? before.value : p.choice < 0.85 ? null : 1_000_000 * (fresh + 1);
				const to = 1_000_000 * ++fresh;
				const ok = before.value === from;
				if (ok) after = to;
				op = p.unknown ? { ...common, f: "cas", from, to } : { ...common, f: "cas", from, to, ok };
				break;
			}
			case "increment": {
				const by = 1 + Math.floor(p.choice * 3);
				after = (before.value ?? 0) + by;
				op = p.unknown ? { ...common, f: "increment", by } : { ...common, f: "increment", by, value: after };
				break;
			}
		}
		operations[i] = op;
		const changed = after !== before.value && p.takesEffect && options.loseWrite !== i;
		trace[i] = { point: p.point, producer: before.producer, after, changed };
		if (changed) state.set(p.key, { value: after, producer: i });
	}
	return { history: { operations }, trace };
}
