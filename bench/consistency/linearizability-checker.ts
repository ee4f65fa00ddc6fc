/**
 * Linearizability checker for register/counter histories (DESIGN.md, "linearizable").
 *
 * The history is split by key (P-compositionality: a history is linearizable iff each key's is) and every
 * key is searched with the Wing–Gong/Lowe algorithm as in Porcupine: call and return events sorted by time
 * in a doubly linked list; at each step any operation whose call precedes the first pending return may take
 * effect next; it is lifted out of the list, and the search backtracks when the first pending return is
 * reached. (linearized-set, state) pairs already explored are memoized (bitset + Zobrist hash).
 *
 * Operations with an unknown outcome have their return at +infinity and may take effect or not. They are
 * only placed where they are needed: right before a completed operation that would be illegal without
 * them, in the shortest runs that make it legal. Any linearization can be rearranged into that shape
 * (an unneeded unknown operation can be moved later, past the end of the history, i.e. omitted), so the
 * restriction loses no answers while keeping the search from exploring every subset of them.
 */
import { describeOperation, type History, type HistoryOperation, isUnknownOutcome } from "./history.ts";
import {
	applyUnknown,
	describeState,
	INITIAL_STATE,
	type RegisterState,
	stepKnown,
} from "./register-model.ts";
import { VisitedStates } from "./visited-states.ts";

/** `ok`: linearizable; `illegal`: not linearizable; `unknown`: the time or memory budget ran out first. */
export type Verdict = "ok" | "illegal" | "unknown";

/** Options of {@link checkHistory}. */
export interface CheckOptions {
	/** Time budget for the whole history in milliseconds (default 10 000); keys not decided in time are `unknown`. */
	timeoutMs?: number;
}

/** A value the register held at a moment where the stuck operation could have taken effect. */
export interface PossibleValue {
	value: RegisterState;
	/** Index (in `history.operations`) of the operation that set it; `null` for the initial absent state. */
	setBy: number | null;
}

/** Why a key is not linearizable; operations are referred to by their index in `history.operations`. */
export interface Counterexample {
	key: string;
	/** Completed operations in the longest linearizable prefix found. */
	linearized: number;
	/** Completed (known-outcome) operations on the key. */
	completed: number;
	/** That prefix in order (unknown-outcome operations that took effect included). */
	prefix: number[];
	/** The register's value after the prefix. */
	stateAfterPrefix: RegisterState;
	/** The operation whose return came next and could not be placed. */
	stuck: number;
	/** Every value the register held, in any explored order, when `stuck` could take effect. */
	possibleValues: PossibleValue[];
	/** Other operations already called but not yet placed at that point. */
	concurrent: number[];
	/** A few lines a person can read. */
	message: string;
}

/** Verdict for one key. */
export interface KeyResult {
	key: string;
	verdict: Verdict;
	/** Operations on the key (unknown outcomes included). */
	operations: number;
	/** How many of them have an unknown outcome. */
	unknownOutcomes: number;
	durationMs: number;
	/** Set when the verdict is `unknown`. */
	unknownReason?: UnknownReason;
	counterexample?: Counterexample;
}

/** Verdict for a whole history: `illegal` if any key is, else `unknown` if any key is, else `ok`. */
export interface CheckResult {
	verdict: Verdict;
	operations: number;
	/** One entry per key, in order of first appearance. */
	keys: KeyResult[];
	/** The first illegal key's counterexample message. */
	counterexample?: string;
	durationMs: number;
}

/** Default time budget of {@link checkHistory}. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Memory cap of one key's memo; a search that needs more answers `unknown` (reason `memory`). */
export const MAX_MEMO_BYTES = 256 * 1024 * 1024;

/** Why a key's verdict is `unknown`: the time budget ran out, or the memo hit {@link MAX_MEMO_BYTES}. */
export type UnknownReason = "time" | "memory";

/**
 * Checks a history for linearizability, key by key, within `options.timeoutMs`.
 * The history should already be valid (see `parseHistory`). So that one hard key cannot starve the
 * others, a first pass gives each key an equal share of the budget; keys it leaves undecided are
 * searched again, one after another, with whatever time remains.
 */
export function checkHistory(history: History, options: CheckOptions = {}): CheckResult {
	const started = performance.now();
	const budget = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	const deadline = started + budget;
	const byKey = new Map<string, number[]>();
	history.operations.forEach((op, index) => {
		const list = byKey.get(op.key);
		if (list) list.push(index);
		else byKey.set(op.key, [index]);
	});
	const share = Math.max(budget / Math.max(byKey.size, 1), 10);
	const keys: KeyResult[] = [];
	for (const [key, indices] of byKey) {
		const keyStarted = performance.now();
		const outcome: KeyOutcome =
			keyStarted >= deadline
				? { verdict: "unknown", reason: "time" }
				: checkKey(key, history.operations, indices, Math.min(keyStarted + share, deadline));
		keys.push({
			key,
			verdict: outcome.verdict,
			operations: indices.length,
			unknownOutcomes: indices.filter((i) => isUnknownOutcome(history.operations[i] as HistoryOperation))
				.length,
			durationMs: performance.now() - keyStarted,
			...(outcome.verdict === "unknown" ? { unknownReason: outcome.reason } : {}),
			...(outcome.verdict === "illegal" ? { counterexample: outcome.counterexample } : {}),
		});
	}
	for (const result of keys) {
		if (result.unknownReason !== "time" || performance.now() >= deadline) continue;
		const retryStarted = performance.now();
		const outcome = checkKey(result.key, history.operations, byKey.get(result.key) ?? [], deadline);
		result.durationMs += performance.now() - retryStarted;
		result.verdict = outcome.verdict;
		if (outcome.verdict === "unknown") result.unknownReason = outcome.reason;
		else delete result.unknownReason;
		if (outcome.verdict === "illegal") result.counterexample = outcome.counterexample;
	}
	const illegal = keys.find((k) => k.verdict === "illegal");
	const verdict: Verdict = illegal ? "illegal" : keys.some((k) => k.verdict === "unknown") ? "unknown" : "ok";
	return {
		verdict,
		operations: history.operations.length,
		keys,
		...(illegal?.counterexample ? { counterexample: illegal.counterexample.message } : {}),
		durationMs: performance.now() - started,
	};
}

type KeyOutcome =
	| { verdict: "ok" }
	| { verdict: "unknown"; reason: UnknownReason }
	| { verdict: "illegal"; counterexample: Counterexample };

function checkKey(key: string, all: HistoryOperation[], indices: number[], deadline: number): KeyOutcome {
	const search = new KeySearch(all, indices, deadline);
	try {
		if (search.search()) return { verdict: "ok" };
	} catch (error) {
		if (error instanceof BudgetExceeded) return { verdict: "unknown", reason: error.reason };
		throw error;
	}
	return { verdict: "illegal", counterexample: search.counterexample(key, all) };
}

/** Thrown inside the search when the deadline passes or the memo outgrows its memory cap. */
class BudgetExceeded extends Error {
	constructor(readonly reason: UnknownReason) {
		super(`${reason} budget exceeded`);
	}
}

/** One step of the search: unknown-outcome operations `run` take effect, then completed operation `k`. */
interface Step {
	run: number[];
	k: number;
	state: RegisterState;
	/** Local op that last changed the state (-1: initial). */
	writer: number;
}

/** A node of the depth-first search. */
interface Frame {
	state: RegisterState;
	writer: number;
	/** Completed operations that may take effect next (called before the first pending return). */
	candidates: number[];
	/** Unknown-outcome operations already called and not yet placed. */
	pending: number[];
	/** Completed operation whose return is the first pending event. */
	blocking: number;
	nextCandidate: number;
	steps: Step[];
	nextStep: number;
	applied: Step | null;
	/** The frame this one was reached from, and by which step (to rebuild the path). */
	parent: Frame | null;
	via: Step | null;
}

const END = -1;
const MAX_POSSIBLE_VALUES = 6;

/** Whether a completed operation determines the state after it (rather than leaving it as it was). */
function setsState(op: HistoryOperation): boolean {
	return op.f === "write" || op.f === "increment" || (op.f === "cas" && op.ok === true);
}

/** The value a completed operation needs to find (read, successful cas, increment); undefined if none. */
function neededBefore(op: HistoryOperation): RegisterState | undefined {
	if (op.f === "read") return op.value;
	if (op.f === "cas") return op.ok ? op.from : undefined;
	if (op.f === "increment") return (op.value as number) - op.by;
	return undefined;
}

/** The search over one key's operations (local ids: completed 0..known-1, then unknown-outcome ones). */
class KeySearch {
	private readonly ops: HistoryOperation[];
	/** Local id → index in the history. */
	private readonly global: number[];
	private readonly known: number;
	private readonly deadline: number;
	private work = 0;

	// Call/return events in time order as a doubly linked list; `head` is a sentinel.
	private readonly head: number;
	private readonly next: Int32Array;
	private readonly prev: Int32Array;
	private readonly eventOp: Int32Array;
	private readonly eventIsReturn: Uint8Array;
	private readonly callEvent: Int32Array;
	private readonly returnEvent: Int32Array;

	// Linearized set as a bitset with two incrementally maintained Zobrist hashes, and the memo.
	private readonly words: number;
	private readonly bits: Uint32Array;
	private readonly zobrist1: Uint32Array;
	private readonly zobrist2: Uint32Array;
	private hash1 = 0;
	private hash2 = 0;
	private readonly visited: VisitedStates;
	private linearizedKnown = 0;

	/** For each unknown-outcome op, a number shared by the ops with the same effect (interchangeable). */
	private readonly effectClass: Int32Array;

	// Run enumeration scratch state (see runsFor).
	private runPending: number[] = [];
	private runJumps: number[] = [];
	private readonly runUsed: Uint8Array;
	private readonly runSameBefore: Int32Array;
	private readonly lastOfClass: Int32Array;
	private runTarget = 0;
	private runNeeded: RegisterState | undefined = undefined;
	private runPositive = 0;
	private runNegative = 0;
	private run: number[] = [];
	private runFound: Step[] = [];

	/** The depth-first search's path from the root. */
	private readonly stack: Frame[] = [];

	// Diagnostics for the counterexample.
	private readonly possible = new Map<number, Map<RegisterState, number>>();
	private readonly everPlaced: Uint8Array;
	private bestDepth = -1;
	private bestFrame: Frame | null = null;

	constructor(all: HistoryOperation[], indices: number[], deadline: number) {
		// Unknown reads constrain nothing and are dropped.
		const knownIdx = indices.filter((i) => !isUnknownOutcome(all[i] as HistoryOperation));
		const unknownIdx = indices.filter(
			(i) => isUnknownOutcome(all[i] as HistoryOperation) && all[i]?.f !== "read",
		);
		this.global = [...knownIdx, ...unknownIdx];
		this.ops = this.global.map((i) => all[i] as HistoryOperation);
		this.known = knownIdx.length;
		this.deadline = deadline;
		this.everPlaced = new Uint8Array(this.known);
		const n = this.ops.length;

		// Events sorted by time; at equal times calls come first (the operations are then concurrent).
		const events: { op: number; ret: boolean; time: number }[] = [];
		for (let i = 0; i < n; i++) {
			const op = this.ops[i] as HistoryOperation;
			events.push({ op: i, ret: false, time: op.call });
			if (i < this.known) events.push({ op: i, ret: true, time: op.return as number });
		}
		events.sort((a, b) => a.time - b.time || Number(a.ret) - Number(b.ret));
		const count = events.length;
		this.head = count;
		this.next = new Int32Array(count + 1);
		this.prev = new Int32Array(count + 1);
		this.eventOp = new Int32Array(count);
		this.eventIsReturn = new Uint8Array(count);
		this.callEvent = new Int32Array(n);
		this.returnEvent = new Int32Array(n).fill(-1);
		for (let e = 0; e < count; e++) {
			const ev = events[e] as { op: number; ret: boolean };
			this.eventOp[e] = ev.op;
			this.eventIsReturn[e] = ev.ret ? 1 : 0;
			if (ev.ret) this.returnEvent[ev.op] = e;
			else this.callEvent[ev.op] = e;
			this.next[e] = e + 1 < count ? e + 1 : END;
			this.prev[e] = e === 0 ? this.head : e - 1;
		}
		this.next[this.head] = count > 0 ? 0 : END;

		this.words = Math.ceil(n / 32);
		this.bits = new Uint32Array(this.words);
		this.visited = new VisitedStates(this.words);
		this.zobrist1 = new Uint32Array(n);
		this.zobrist2 = new Uint32Array(n);
		let seed = 0x2545f491;
		for (let i = 0; i < 2 * n; i++) {
			seed ^= seed << 13;
			seed ^= seed >>> 17;
			seed ^= seed << 5;
			if (i < n) this.zobrist1[i] = seed;
			else this.zobrist2[i - n] = seed;
		}

		// Unknown-outcome operations with the same effect are interchangeable: number them by effect.
		this.effectClass = new Int32Array(n).fill(-1);
		const classes = new Map<string, number>();
		for (let i = this.known; i < n; i++) {
			const op = this.ops[i] as HistoryOperation;
			const sig =
				op.f === "write"
					? `w${op.value}`
					: op.f === "cas"
						? `c${op.from}>${op.to}`
						: `i${(op as { by: number }).by}`;
			let id = classes.get(sig);
			if (id === undefined) {
				id = classes.size;
				classes.set(sig, id);
			}
			this.effectClass[i] = id;
		}
		this.lastOfClass = new Int32Array(classes.size).fill(-1);
		this.runUsed = new Uint8Array(n);
		this.runSameBefore = new Int32Array(n);
	}

	/** Runs the search; true when a linearization exists. Throws BudgetExceeded past the deadline. */
	search(): boolean {
		if (this.known === 0) return true;
		const stack = this.stack;
		this.remember(INITIAL_STATE);
		const root = this.makeFrame(INITIAL_STATE, -1, null, null);
		stack.push(root);
		this.noteDepth(root);
		while (stack.length > 0) {
			this.tick();
			const frame = stack[stack.length - 1] as Frame;
			if (frame.applied) {
				this.undo(frame.applied);
				frame.applied = null;
			}
			const step = this.nextStep(frame);
			if (!step) {
				stack.pop();
				continue;
			}
			this.apply(step);
			if (!this.remember(step.state)) {
				this.undo(step);
				continue;
			}
			this.everPlaced[step.k] = 1;
			frame.applied = step;
			if (this.linearizedKnown === this.known) return true;
			const child = this.makeFrame(step.state, step.writer, frame, step);
			stack.push(child);
			this.noteDepth(child);
		}
		return false;
	}

	private tick(): void {
		if ((++this.work & 1023) === 0 && performance.now() > this.deadline) throw new BudgetExceeded("time");
	}

	private unlink(e: number): void {
		const p = this.prev[e] as number;
		const q = this.next[e] as number;
		this.next[p] = q;
		if (q !== END) this.prev[q] = p;
	}

	private relink(e: number): void {
		const p = this.prev[e] as number;
		const q = this.next[e] as number;
		this.next[p] = e;
		if (q !== END) this.prev[q] = e;
	}

	private toggle(op: number): void {
		this.bits[op >>> 5] = (this.bits[op >>> 5] as number) ^ (1 << (op & 31));
		this.hash1 ^= this.zobrist1[op] as number;
		this.hash2 ^= this.zobrist2[op] as number;
	}

	/** Adds (current linearized set, state) to the memo; false if it was already there. */
	private remember(state: RegisterState): boolean {
		const added = this.visited.add(this.bits, state, this.hash1, this.hash2);
		if (added && (this.visited.size & 4095) === 0 && this.visited.bytes > MAX_MEMO_BYTES) {
			throw new BudgetExceeded("memory");
		}
		return added;
	}

	private apply(step: Step): void {
		for (const u of step.run) {
			this.unlink(this.callEvent[u] as number);
			this.toggle(u);
		}
		this.unlink(this.callEvent[step.k] as number);
		this.unlink(this.returnEvent[step.k] as number);
		this.toggle(step.k);
		this.linearizedKnown++;
	}

	private undo(step: Step): void {
		this.linearizedKnown--;
		this.toggle(step.k);
		this.relink(this.returnEvent[step.k] as number);
		this.relink(this.callEvent[step.k] as number);
		for (let i = step.run.length - 1; i >= 0; i--) {
			const u = step.run[i] as number;
			this.toggle(u);
			this.relink(this.callEvent[u] as number);
		}
	}

	private makeFrame(state: RegisterState, writer: number, parent: Frame | null, via: Step | null): Frame {
		const candidates: number[] = [];
		const pending: number[] = [];
		let e = this.next[this.head] as number;
		while (e !== END && !this.eventIsReturn[e]) {
			const op = this.eventOp[e] as number;
			if (op < this.known) candidates.push(op);
			else pending.push(op);
			e = this.next[e] as number;
		}
		const blocking = e === END ? -1 : (this.eventOp[e] as number);
		return {
			state,
			writer,
			candidates,
			pending,
			blocking,
			nextCandidate: 0,
			steps: [],
			nextStep: 0,
			applied: null,
			parent,
			via,
		};
	}

	private nextStep(frame: Frame): Step | null {
		for (;;) {
			if (frame.nextStep < frame.steps.length) return frame.steps[frame.nextStep++] as Step;
			if (frame.nextCandidate >= frame.candidates.length) return null;
			const k = frame.candidates[frame.nextCandidate++] as number;
			let values = this.possible.get(k);
			if (!values) {
				values = new Map();
				this.possible.set(k, values);
			}
			if (values.size < MAX_POSSIBLE_VALUES && !values.has(frame.state))
				values.set(frame.state, frame.writer);
			const op = this.ops[k] as HistoryOperation;
			const after = stepKnown(frame.state, op);
			frame.steps =
				after !== undefined
					? [{ run: [], k, state: after, writer: setsState(op) ? k : frame.writer }]
					: frame.pending.length > 0
						? this.runsFor(frame.state, frame.pending, k)
						: [];
			frame.nextStep = 0;
		}
	}

	/**
	 * Shortest runs of pending unknown-outcome operations after which completed operation `k` becomes legal.
	 * Each op in a run must change the value (else leave it out); a write only starts a run (it erases what
	 * came before); consecutive increments commute and interchangeable ops are alike, so both go in list order.
	 */
	private runsFor(state: RegisterState, pending: number[], k: number): Step[] {
		const needed = neededBefore(this.ops[k] as HistoryOperation);
		if (needed === null) return []; // nothing makes a key absent again
		this.runPositive = 0;
		this.runNegative = 0;
		for (const u of pending) {
			const op = this.ops[u] as HistoryOperation;
			if (op.f === "increment") {
				if (op.by > 0) this.runPositive += op.by;
				else this.runNegative += op.by;
			}
		}
		if (needed !== undefined && !this.within(needed, state)) {
			// Some write or cas must bring the value within reach of the increments.
			let possible = false;
			for (const u of pending) {
				const op = this.ops[u] as HistoryOperation;
				if (
					(op.f === "write" && this.within(needed, op.value)) ||
					(op.f === "cas" && this.within(needed, op.to))
				) {
					possible = true;
					break;
				}
			}
			if (!possible) return [];
		}
		for (let j = 0; j < pending.length; j++) {
			const cls = this.effectClass[pending[j] as number] as number;
			this.runSameBefore[j] = this.lastOfClass[cls] as number;
			this.lastOfClass[cls] = j;
		}
		for (const u of pending) this.lastOfClass[this.effectClass[u] as number] = -1;
		// Pending cas whose `to` the increments could carry to the needed value (they only get fewer).
		this.runJumps = [];
		if (typeof needed === "number") {
			for (let j = 0; j < pending.length; j++) {
				const op = this.ops[pending[j] as number] as HistoryOperation;
				if (op.f === "cas" && this.within(needed, op.to)) this.runJumps.push(j);
			}
		}
		this.runPending = pending;
		this.runTarget = k;
		this.runNeeded = needed;
		this.run = [];
		this.runFound = [];
		this.extendRun(state, -1);
		return this.runFound;
	}

	/** Whether the target's needed value can still be reached from `current` with the unused pending ops. */
	private reachable(current: RegisterState): boolean {
		const needed = this.runNeeded;
		if (needed === undefined) return true;
		if (needed === null) return false; // nothing makes a key absent again
		if (this.within(needed, current)) return true;
		for (const j of this.runJumps) {
			const op = this.ops[this.runPending[j] as number] as HistoryOperation & { f: "cas" };
			if (!this.runUsed[j] && this.within(needed, op.to)) return true;
		}
		return false;
	}

	/** Whether the unused increments can move `from` to `needed`. */
	private within(needed: number, from: RegisterState): boolean {
		const delta = needed - (from ?? 0);
		return this.runNegative <= delta && delta <= this.runPositive;
	}

	/** `lastPosition`: position in `runPending` of the run's last op (-1 when the run is empty). */
	private extendRun(current: RegisterState, lastPosition: number): void {
		this.tick();
		const run = this.run;
		if (run.length > 0 && !this.reachable(current)) return;
		const pending = this.runPending;
		const target = this.ops[this.runTarget] as HistoryOperation;
		const lastIsIncrement =
			lastPosition >= 0 && (this.ops[pending[lastPosition] as number] as HistoryOperation).f === "increment";
		for (let j = 0; j < pending.length; j++) {
			const sameBefore = this.runSameBefore[j] as number;
			if (this.runUsed[j] || (sameBefore !== -1 && !this.runUsed[sameBefore])) continue;
			const u = pending[j] as number;
			const op = this.ops[u] as HistoryOperation;
			if (op.f === "write" && run.length > 0) continue;
			if (op.f === "increment" && lastIsIncrement && j < lastPosition) continue;
			const after = applyUnknown(current, op);
			if (after === current) continue;
			const by = op.f === "increment" ? op.by : 0;
			this.runUsed[j] = 1;
			if (by > 0) this.runPositive -= by;
			else this.runNegative -= by;
			run.push(u);
			const result = stepKnown(after, target);
			if (result !== undefined) {
				this.runFound.push({
					run: run.slice(),
					k: this.runTarget,
					state: result,
					writer: setsState(target) ? this.runTarget : u,
				});
			} else {
				this.extendRun(after, j);
			}
			run.pop();
			if (by > 0) this.runPositive += by;
			else this.runNegative += by;
			this.runUsed[j] = 0;
		}
	}

	private noteDepth(frame: Frame): void {
		if (this.linearizedKnown > this.bestDepth) {
			this.bestDepth = this.linearizedKnown;
			this.bestFrame = frame;
		}
	}

	/** Describes the deepest point the search reached (call after search() returned false). */
	counterexample(key: string, all: HistoryOperation[]): Counterexample {
		const frame = this.bestFrame as Frame;
		const path: number[] = [];
		for (let f: Frame | null = frame; f?.via; f = f.parent) path.unshift(...f.via.run, f.via.k);
		const toGlobal = (local: number) => this.global[local] as number;
		const stuck = frame.blocking;
		const possibleValues = [...(this.possible.get(stuck) ?? new Map<RegisterState, number>())].map(
			([value, writer]): PossibleValue => ({ value, setBy: writer === -1 ? null : toGlobal(writer) }),
		);
		const counterexample: Counterexample = {
			key,
			linearized: this.bestDepth,
			completed: this.known,
			prefix: path.map(toGlobal),
			stateAfterPrefix: frame.state,
			stuck: toGlobal(stuck),
			possibleValues,
			concurrent: [...frame.candidates.filter((c) => c !== stuck), ...frame.pending].map(toGlobal),
			message: "",
		};
		counterexample.message = explain(counterexample, all, this.everPlaced[stuck] === 1);
		return counterexample;
	}
}

function explain(c: Counterexample, all: HistoryOperation[], stuckEverPlaced: boolean): string {
	const describe = (i: number) => describeOperation(all[i] as HistoryOperation, i);
	const lines = [
		`key ${JSON.stringify(c.key)} is not linearizable: no order of its operations respects both real time and the register's rules.`,
	];
	if (c.prefix.length === 0) {
		lines.push(`  No operation can even come first (${c.key} starts absent).`);
	} else {
		lines.push(
			`  Longest linearizable prefix: ${c.linearized} of ${c.completed} completed operations, ending with`,
		);
		const shown = c.prefix.slice(-3);
		if (c.prefix.length > shown.length) lines.push(`    … ${c.prefix.length - shown.length} earlier`);
		for (const i of shown) lines.push(`    ${describe(i)}`);
		lines.push(`  after which ${c.key} = ${describeState(c.stateAfterPrefix)}.`);
	}
	const source = (v: PossibleValue) => (v.setBy === null ? "initial state" : `set by ${describe(v.setBy)}`);
	lines.push(`  Then ${describe(c.stuck)} must take effect before it returns, but`);
	if (!stuckEverPlaced && c.possibleValues.length > 0) {
		const values = c.possibleValues.map((v) => `${describeState(v.value)} (${source(v)})`);
		const more = c.possibleValues.length >= MAX_POSSIBLE_VALUES ? " or others" : "";
		lines.push(`    whenever it could take effect, ${c.key} was ${values.join(" or ")}${more}.`);
	} else {
		lines.push("    every order that places it leads to a dead end further on.");
	}
	if (c.concurrent.length > 0) {
		const shown = c.concurrent.slice(0, 4);
		lines.push("  Concurrent with it and not yet placed:");
		for (const i of shown) lines.push(`    ${describe(i)}`);
		if (c.concurrent.length > shown.length)
			lines.push(`    … and ${c.concurrent.length - shown.length} more`);
	}
	return lines.join("\n");
}
