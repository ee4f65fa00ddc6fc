/**
 * The recorded-history format that `check-history` and the consistency scenarios share
 * (DESIGN.md, "History file"): `{"operations": [op, ...]}`, one op per completed or abandoned call.
 */

/** A register value as the store reports it: a safe integer, or `null` when the key is absent. */
export type RegisterValue = number | null;

/** Fields every operation carries. Times are numbers in one unit (the bench records µs). */
interface OperationCommon {
	/** Who issued the call; a client runs its operations one after another. */
	client: number;
	/** The register (counter key) the operation works on. */
	key: string;
	/** When the call was sent. */
	call: number;
	/** When the answer arrived; `null` when it never did (the outcome is then unknown). */
	return: number | null;
	/** `"unknown"` marks an operation whose result was never seen (timeout, dropped connection). */
	outcome?: "ok" | "unknown";
}

/** `GET` of a counter: `value` is what it answered (`null` = absent). Omitted only when the outcome is unknown. */
export interface ReadOperation extends OperationCommon {
	f: "read";
	value?: RegisterValue;
}

/** `PUT` of a counter to `value`. */
export interface WriteOperation extends OperationCommon {
	f: "write";
	value: number;
}

/** Compare-and-swap: set `to` if the register holds `from`; `ok` says whether it did (omitted when unknown). */
export interface CasOperation extends OperationCommon {
	f: "cas";
	from: RegisterValue;
	to: number;
	ok?: boolean;
}

/** Increment by `by` (an absent key counts as 0); `value` is the new value answered (omitted when unknown). */
export interface IncrementOperation extends OperationCommon {
	f: "increment";
	by: number;
	value?: number;
}

/** One operation of a history. */
export type HistoryOperation = ReadOperation | WriteOperation | CasOperation | IncrementOperation;

/** A recorded history: every operation on every key, in any order. */
export interface History {
	operations: HistoryOperation[];
}

/** A history file that does not follow the format; names the operation index and field when it can. */
export class HistoryFormatError extends Error {
	override name = "HistoryFormatError";
	constructor(
		message: string,
		/** Index in `operations` of the offending operation, when one is to blame. */
		readonly opIndex?: number,
		/** The offending field of that operation (or of the top-level object). */
		readonly field?: string,
	) {
		super(message);
	}
}

/** Whether the operation's result was never seen: `"outcome": "unknown"` or `"return": null`. */
export function isUnknownOutcome(op: HistoryOperation): boolean {
	return op.outcome === "unknown" || op.return === null;
}

const KINDS = ["read", "write", "cas", "increment"] as const;

function show(value: unknown): string {
	if (value === undefined) return "nothing (field missing)";
	const text = JSON.stringify(value);
	return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * Validates parsed JSON against the history format and returns it typed.
 * Throws {@link HistoryFormatError} naming the first bad operation index and field,
 * e.g. `operations[3].value: expected a safe integer or null, got "4"`.
 */
export function parseHistory(input: unknown): History {
	if (typeof input !== "object" || input === null || Array.isArray(input)) {
		throw new HistoryFormatError(`expected a JSON object {"operations": [...]}, got ${show(input)}`);
	}
	const operations = (input as { operations?: unknown }).operations;
	if (!Array.isArray(operations)) {
		throw new HistoryFormatError(
			`"operations": expected an array of operations, got ${show(operations)}`,
			undefined,
			"operations",
		);
	}
	return { operations: operations.map((raw, index) => parseOperation(raw, index)) };
}

function parseOperation(raw: unknown, index: number): HistoryOperation {
	const fail = (field: string, expected: string, got: unknown): never => {
		throw new HistoryFormatError(
			`operations[${index}].${field}: expected ${expected}, got ${show(got)}`,
			index,
			field,
		);
	};
	if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
		throw new HistoryFormatError(`operations[${index}]: expected an object, got ${show(raw)}`, index);
	}
	const o = raw as Record<string, unknown>;
	const safeInt = (field: string): number => {
		const v = o[field];
		return Number.isSafeInteger(v) ? (v as number) : fail(field, "a safe integer", v);
	};
	const valueOrNull = (field: string): RegisterValue => {
		const v = o[field];
		return v === null || Number.isSafeInteger(v)
			? (v as RegisterValue)
			: fail(field, "a safe integer or null", v);
	};

	const client = safeInt("client");
	if (typeof o.key !== "string" || o.key.length === 0) fail("key", "a non-empty string", o.key);
	const key = o.key as string;
	const f = o.f;
	if (!KINDS.includes(f as (typeof KINDS)[number]))
		fail("f", `one of ${KINDS.map((k) => `"${k}"`).join(", ")}`, f);
	if (typeof o.call !== "number" || !Number.isFinite(o.call)) fail("call", "a finite number", o.call);
	const call = o.call as number;
	if (o.outcome !== undefined && o.outcome !== "ok" && o.outcome !== "unknown") {
		fail("outcome", '"ok" or "unknown" (or no outcome field)', o.outcome);
	}
	const outcome = o.outcome as "ok" | "unknown" | undefined;
	const ret = o.return;
	if (ret === undefined && outcome !== "unknown")
		fail("return", "a finite number, or null when never answered", ret);
	if (ret !== undefined && ret !== null && (typeof ret !== "number" || !Number.isFinite(ret))) {
		fail("return", "a finite number, or null when never answered", ret);
	}
	if (typeof ret === "number" && ret < call) fail("return", `a time >= call (${call})`, ret);
	const returnTime = (ret ?? null) as number | null;
	const unknown = outcome === "unknown" || returnTime === null;
	const common = { client, key, call, return: returnTime, ...(outcome ? { outcome } : {}) };

	switch (f as (typeof KINDS)[number]) {
		case "read":
			if (unknown && o.value === undefined) return { ...common, f: "read" };
			return { ...common, f: "read", value: valueOrNull("value") };
		case "write":
			return { ...common, f: "write", value: safeInt("value") };
		case "cas": {
			const from = valueOrNull("from");
			const to = safeInt("to");
			if (unknown && o.ok === undefined) return { ...common, f: "cas", from, to };
			if (typeof o.ok !== "boolean") fail("ok", "true or false", o.ok);
			return { ...common, f: "cas", from, to, ok: o.ok as boolean };
		}
		case "increment": {
			const by = safeInt("by");
			if (unknown && o.value === undefined) return { ...common, f: "increment", by };
			return { ...common, f: "increment", by, value: safeInt("value") };
		}
	}
}

function showValue(value: RegisterValue | undefined): string {
	return value === null ? "absent" : value === undefined ? "?" : String(value);
}

/**
 * One-line human description of an operation, e.g.
 * `op #7 client 3 read x → 4 [1200, 1350]` or `op #9 client 1 cas x 4→5 (outcome unknown) [1400, ?]`.
 */
export function describeOperation(op: HistoryOperation, index: number): string {
	const unknown = isUnknownOutcome(op);
	let what: string;
	switch (op.f) {
		case "read":
			what = `read ${op.key} → ${showValue(op.value)}`;
			break;
		case "write":
			what = `write ${op.key} = ${op.value}`;
			break;
		case "cas":
			what = `cas ${op.key} ${showValue(op.from)}→${op.to}${unknown ? "" : op.ok ? " ok" : " failed"}`;
			break;
		case "increment":
			what = `increment ${op.key} by ${op.by}${unknown ? "" : ` → ${op.value}`}`;
			break;
	}
	const outcome = unknown ? " (outcome unknown)" : "";
	return `op #${index} client ${op.client} ${what}${outcome} [${op.call}, ${op.return ?? "?"}]`;
}
