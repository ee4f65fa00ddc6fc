import type { HistoryOperation } from "../consistency/history.ts";
import type { CallOutcome } from "./store-connection.ts";

/** One operation a register-workload client is about to issue (the call half of a history operation). */
export type RegisterRequest =
	| { client: number; key: string; f: "read" }
	| { client: number; key: string; f: "write"; value: number }
	| { client: number; key: string; f: "cas"; from: number | null; to: number }
	| { client: number; key: string; f: "increment"; by: number };

/** The HTTP request that performs a register operation on a store (increments use `incrementMode`). */
export function registerHttpRequest(
	store: string,
	request: RegisterRequest,
	incrementMode: "atomic" | "naive",
): { method: string; path: string; body?: unknown } {
	const base = `/api/${store}/counters/${request.key}`;
	switch (request.f) {
		case "read":
			return { method: "GET", path: base };
		case "write":
			return { method: "PUT", path: base, body: { value: request.value } };
		case "cas":
			return { method: "POST", path: `${base}/cas`, body: { expected: request.from, value: request.to } };
		case "increment":
			return { method: "POST", path: `${base}/increment?mode=${incrementMode}`, body: { by: request.by } };
	}
}

const isValue = (v: unknown): v is number | null => v === null || Number.isSafeInteger(v);

/**
 * Turn a request and what came back into a history operation (DESIGN's format), times in µs from
 * `originUs`. A 2xx answer with the expected fields is a completed operation; anything else — a
 * timeout, a dropped connection, an error status, an unreadable body — is an unknown outcome
 * (`return: null`): the operation may have taken effect at any point after its call, or never.
 */
export function toHistoryOperation(
	request: RegisterRequest,
	outcome: CallOutcome,
	originUs: number,
): HistoryOperation {
	const call = outcome.callUs - originUs;
	const unknown = (): HistoryOperation => {
		const { client, key } = request;
		const common = { client, key, call, return: null, outcome: "unknown" as const };
		switch (request.f) {
			case "read":
				return { ...common, f: "read" };
			case "write":
				return { ...common, f: "write", value: request.value };
			case "cas":
				return { ...common, f: "cas", from: request.from, to: request.to };
			case "increment":
				return { ...common, f: "increment", by: request.by };
		}
	};
	if (outcome.kind !== "answered" || outcome.status < 200 || outcome.status >= 300) return unknown();
	const body = (outcome.body ?? {}) as { value?: unknown; ok?: unknown };
	const times = { client: request.client, key: request.key, call, return: outcome.returnUs - originUs };
	switch (request.f) {
		case "read":
			return isValue(body.value) ? { ...times, f: "read", value: body.value } : unknown();
		case "write":
			return { ...times, f: "write", value: request.value };
		case "cas":
			return typeof body.ok === "boolean"
				? { ...times, f: "cas", from: request.from, to: request.to, ok: body.ok }
				: unknown();
		case "increment":
			return Number.isSafeInteger(body.value)
				? { ...times, f: "increment", by: request.by, value: body.value as number }
				: unknown();
	}
}

/**
 * Pick a client's next operation: reads 40 %, writes 20 %, compare-and-swap 20 % (from the value the
 * client last saw on that key) and increments 20 %; without compare-and-swap the writes and increments
 * take its share. Values stay small so that operations collide on the same values often.
 */
export function nextRegisterRequest(
	random: () => number,
	client: number,
	keys: string[],
	lastSeen: Map<string, number | null>,
	casSupported: boolean,
): RegisterRequest {
	const key = keys[Math.floor(random() * keys.length)] as string;
	const roll = random();
	const small = () => Math.floor(random() * 100);
	if (roll < 0.4) return { client, key, f: "read" };
	if (casSupported) {
		if (roll < 0.6) return { client, key, f: "write", value: small() };
		if (roll < 0.8) return { client, key, f: "cas", from: lastSeen.get(key) ?? null, to: small() };
		return { client, key, f: "increment", by: 1 };
	}
	if (roll < 0.7) return { client, key, f: "write", value: small() };
	return { client, key, f: "increment", by: 1 };
}

/** The value an operation tells its client the register holds now (or undefined when it tells nothing). */
export function valueSeen(op: HistoryOperation): number | null | undefined {
	if (op.return === null) return undefined;
	switch (op.f) {
		case "read":
			return op.value;
		case "write":
			return op.value;
		case "cas":
			return op.ok ? op.to : undefined;
		case "increment":
			return op.value;
	}
}

/** At most `max` operations, the earliest calls first, and whether some were left out. */
export function boundHistory(
	operations: HistoryOperation[],
	max: number,
): { operations: HistoryOperation[]; truncated: boolean } {
	if (operations.length <= max) return { operations, truncated: false };
	const kept = [...operations].sort((a, b) => a.call - b.call).slice(0, max);
	return { operations: kept, truncated: true };
}
