/**
 * The sequential specification of one counter key (DESIGN.md, "Consistency vocabulary"):
 * a register holding a safe integer or nothing, with read, write, compare-and-swap and increment.
 */
import type { HistoryOperation, RegisterValue } from "./history.ts";

/** State of one key: its value, or `null` while absent (the initial state). */
export type RegisterState = RegisterValue;

/** The state of every key before the first operation. */
export const INITIAL_STATE: RegisterState = null;

/**
 * Applies an operation whose result was seen, from `state`.
 * Returns the state after it, or `undefined` when the answer is impossible from `state`:
 * a read must return the state; a cas that answered ok needs `state === from` (then holds `to`),
 * a failed one needs `state !== from` (and changes nothing); an increment must answer `(state ?? 0) + by`.
 */
export function stepKnown(state: RegisterState, op: HistoryOperation): RegisterState | undefined {
	switch (op.f) {
		case "read":
			return op.value === state ? state : undefined;
		case "write":
			return op.value;
		case "cas":
			if (op.ok) return state === op.from ? op.to : undefined;
			return state !== op.from ? state : undefined;
		case "increment":
			return (state ?? 0) + op.by === op.value ? op.value : undefined;
	}
}

/**
 * The effect of an operation whose result was never seen, if it did take effect at `state`:
 * a write sets its value, a cas applies only when `state === from`, an increment adds `by`.
 * (Whether it took effect at all is the checker's choice; an unknown read has no effect.)
 */
export function applyUnknown(state: RegisterState, op: HistoryOperation): RegisterState {
	switch (op.f) {
		case "read":
			return state;
		case "write":
			return op.value;
		case "cas":
			return state === op.from ? op.to : state;
		case "increment":
			return (state ?? 0) + op.by;
	}
}

/** `"5"`, or `"absent"` for `null`. */
export function describeState(state: RegisterState): string {
	return state === null ? "absent" : String(state);
}
