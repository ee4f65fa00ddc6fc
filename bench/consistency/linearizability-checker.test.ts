import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { History, HistoryOperation, RegisterValue } from "./history.ts";
import { isUnknownOutcome } from "./history.ts";
import { checkHistory } from "./linearizability-checker.ts";
import { simulateRegisterHistory } from "./register-history-simulation.ts";
import { applyUnknown, type RegisterState, stepKnown } from "./register-model.ts";

const read = (
	client: number,
	call: number,
	ret: number | null,
	value: RegisterValue,
	key = "x",
): HistoryOperation => ({
	client,
	key,
	f: "read",
	call,
	return: ret,
	value,
});
const write = (
	client: number,
	call: number,
	ret: number | null,
	value: number,
	key = "x",
): HistoryOperation => ({
	client,
	key,
	f: "write",
	call,
	return: ret,
	value,
});
const cas = (
	client: number,
	call: number,
	ret: number,
	from: RegisterValue,
	to: number,
	ok: boolean,
	key = "x",
): HistoryOperation => ({ client, key, f: "cas", call, return: ret, from, to, ok });
const increment = (
	client: number,
	call: number,
	ret: number,
	by: number,
	value: number,
	key = "x",
): HistoryOperation => ({
	client,
	key,
	f: "increment",
	call,
	return: ret,
	by,
	value,
});
/** The same operation, its result never seen. */
const lost = (op: HistoryOperation): HistoryOperation => {
	const { ok: _ok, value: _value, ...rest } = op as HistoryOperation & { ok?: boolean; value?: number };
	const kept = op.f === "write" ? { value: op.value } : {};
	return { ...rest, ...kept, return: null, outcome: "unknown" } as HistoryOperation;
};
const verdict = (...operations: HistoryOperation[]) => checkHistory({ operations }).verdict;

describe("checkHistory: reads and writes", () => {
	it("accepts an empty history and a read of an absent key", () => {
		expect(checkHistory({ operations: [] })).toMatchObject({ verdict: "ok", keys: [], operations: 0 });
		expect(verdict(read(1, 0, 10, null))).toBe("ok");
	});

	it("rejects reading 0 from a key nobody wrote (absent is not 0)", () => {
		expect(verdict(read(1, 0, 10, 0))).toBe("illegal");
	});

	it("accepts a read of the last completed write and rejects a value nobody wrote", () => {
		expect(verdict(write(1, 0, 10, 1), read(2, 20, 30, 1))).toBe("ok");
		expect(verdict(write(1, 0, 10, 1), read(2, 20, 30, 2))).toBe("illegal");
	});

	it("lets a read concurrent with a write see the old or the new value", () => {
		expect(verdict(write(1, 0, 100, 1), read(2, 10, 20, null))).toBe("ok");
		expect(verdict(write(1, 0, 100, 1), read(2, 10, 20, 1))).toBe("ok");
	});

	it("uses real-time order: a stale read after a later write completed is illegal, overlapping is fine", () => {
		expect(verdict(write(1, 0, 10, 1), write(2, 20, 30, 2), read(3, 40, 50, 1))).toBe("illegal");
		expect(verdict(write(1, 0, 10, 1), write(2, 5, 45, 2), read(3, 40, 50, 1))).toBe("ok");
	});

	it("treats operations that touch at the same instant as concurrent", () => {
		expect(verdict(write(1, 0, 10, 1), read(2, 10, 20, null))).toBe("ok");
	});

	it("rejects two readers that see two concurrent writes in opposite orders (after both completed)", () => {
		expect(
			verdict(
				write(1, 0, 10, 1),
				write(2, 0, 10, 2),
				read(3, 20, 30, 1),
				read(4, 40, 50, 2),
				read(3, 60, 70, 1),
			),
		).toBe("illegal");
		expect(verdict(write(1, 0, 10, 1), write(2, 0, 10, 2), read(3, 20, 30, 1), read(4, 40, 50, 1))).toBe(
			"ok",
		);
	});
});

describe("checkHistory: compare-and-swap", () => {
	it("accepts a successful cas from the current value and its effect", () => {
		expect(verdict(write(1, 0, 10, 1), cas(2, 20, 30, 1, 2, true), read(3, 40, 50, 2))).toBe("ok");
	});

	it("accepts a successful cas from absent on a fresh key", () => {
		expect(verdict(cas(1, 0, 10, null, 5, true), read(2, 20, 30, 5))).toBe("ok");
	});

	it("rejects a successful cas whose expected value was not there", () => {
		expect(verdict(write(1, 0, 10, 3), cas(2, 20, 30, 1, 2, true))).toBe("illegal");
	});

	it("rejects a failed cas when the expected value was there, and accepts one when it was not", () => {
		expect(verdict(write(1, 0, 10, 1), cas(2, 20, 30, 1, 2, false))).toBe("illegal");
		expect(verdict(write(1, 0, 10, 3), cas(2, 20, 30, 1, 2, false), read(3, 40, 50, 3))).toBe("ok");
	});

	it("rejects a read of the value a failed cas would have written", () => {
		expect(verdict(write(1, 0, 10, 3), cas(2, 20, 30, 1, 2, false), read(3, 40, 50, 2))).toBe("illegal");
	});

	it("rejects two concurrent cas from the same value that both succeed", () => {
		expect(verdict(write(1, 0, 10, 1), cas(2, 20, 40, 1, 2, true), cas(3, 20, 40, 1, 3, true))).toBe(
			"illegal",
		);
		expect(verdict(write(1, 0, 10, 1), cas(2, 20, 40, 1, 2, true), cas(3, 20, 40, 1, 3, false))).toBe("ok");
	});
});

describe("checkHistory: increments", () => {
	it("counts an absent key as 0", () => {
		expect(verdict(increment(1, 0, 10, 1, 1))).toBe("ok");
		expect(verdict(increment(1, 0, 10, 1, 2))).toBe("illegal");
		expect(verdict(write(1, 0, 10, 5), increment(2, 20, 30, -2, 3))).toBe("ok");
	});

	it("rejects a lost update: two concurrent increments that both answer 1", () => {
		expect(verdict(increment(1, 0, 10, 1, 1), increment(2, 0, 10, 1, 1))).toBe("illegal");
	});

	it("accepts concurrent increments in either order", () => {
		expect(verdict(increment(1, 0, 10, 1, 2), increment(2, 0, 10, 1, 1), read(3, 20, 30, 2))).toBe("ok");
	});

	it("rejects an increment that ran entirely before another yet answers the larger value", () => {
		expect(verdict(increment(1, 0, 10, 1, 2), increment(2, 20, 30, 1, 1))).toBe("illegal");
	});
});

describe("checkHistory: unknown outcomes", () => {
	it("lets an unknown write explain a later read, which is illegal without it", () => {
		expect(verdict(lost(write(1, 0, 10, 5)), read(2, 20, 30, 5))).toBe("ok");
		expect(verdict(write(1, 0, null, 5), read(2, 20, 30, 5))).toBe("ok");
		expect(verdict(read(2, 20, 30, 5))).toBe("illegal");
	});

	it("lets an unknown write never take effect", () => {
		expect(verdict(lost(write(1, 0, 10, 5)), read(2, 20, 30, null), read(2, 40, 50, null))).toBe("ok");
	});

	it("lets an unknown write take effect late, after later completed writes", () => {
		expect(
			verdict(lost(write(1, 0, 10, 5)), write(2, 20, 30, 6), read(3, 40, 50, 6), read(3, 60, 70, 5)),
		).toBe("ok");
	});

	it("does not let an unknown write take effect before its call, nor be undone", () => {
		expect(verdict(read(2, 0, 10, 5), lost(write(1, 20, 30, 5)))).toBe("illegal");
		expect(verdict(lost(write(1, 0, 10, 5)), read(2, 20, 30, 5), read(2, 40, 50, null))).toBe("illegal");
	});

	it("uses each unknown operation at most once", () => {
		expect(
			verdict(
				write(1, 0, 10, 1),
				lost(write(2, 0, 10, 5)),
				read(3, 20, 30, 5),
				write(1, 40, 50, 1),
				read(3, 60, 70, 5),
			),
		).toBe("illegal");
		expect(
			verdict(
				write(1, 0, 10, 1),
				lost(write(2, 0, 10, 5)),
				lost(write(4, 0, 10, 5)),
				read(3, 20, 30, 5),
				write(1, 40, 50, 1),
				read(3, 60, 70, 5),
			),
		).toBe("ok");
	});

	it("ignores unknown reads, with or without a value", () => {
		expect(
			verdict(write(1, 0, 10, 1), lost(read(2, 20, 30, 99)), {
				client: 3,
				key: "x",
				f: "read",
				call: 40,
				return: null,
			}),
		).toBe("ok");
	});

	it("applies an unknown cas only when the register holds its expected value", () => {
		expect(verdict(write(1, 0, 10, 1), lost(cas(2, 20, 30, 1, 7, true)), read(3, 40, 50, 7))).toBe("ok");
		expect(verdict(write(1, 0, 10, 1), lost(cas(2, 20, 30, 2, 7, true)), read(3, 40, 50, 7))).toBe("illegal");
	});

	it("adds an unknown increment's amount when it takes effect", () => {
		expect(verdict(lost(increment(1, 0, 10, 2, 2)), increment(2, 20, 30, 1, 3))).toBe("ok");
		expect(verdict(lost(increment(1, 0, 10, 2, 2)), increment(2, 20, 30, 1, 1))).toBe("ok");
		expect(verdict(lost(increment(1, 0, 10, 2, 2)), increment(2, 20, 30, 1, 4))).toBe("illegal");
		expect(
			verdict(lost(increment(1, 0, 10, 1, 1)), lost(increment(2, 0, 10, 1, 1)), increment(3, 20, 30, 1, 3)),
		).toBe("ok");
		expect(
			verdict(lost(increment(1, 0, 10, 1, 1)), lost(increment(2, 0, 10, 1, 1)), increment(3, 20, 30, 1, 4)),
		).toBe("illegal");
	});

	it("combines an unknown write with several unknown increments", () => {
		const operations = [
			lost(increment(0, 1, 2, -1, 0)),
			lost(increment(0, 0, 2, -1, 0)),
			lost(write(0, 0, 2, 3)),
			read(1, 0, 1, 1),
		];
		expect(verdict(...operations)).toBe("ok");
	});

	it("lets an unknown operation make a failed cas legal", () => {
		expect(
			verdict(write(1, 0, 10, 1), lost(write(2, 20, 30, 4)), cas(3, 40, 50, 1, 2, false), read(3, 60, 70, 4)),
		).toBe("ok");
	});
});

describe("checkHistory: keys, verdicts and counterexamples", () => {
	it("checks keys independently and reports each", () => {
		const result = checkHistory({
			operations: [
				write(1, 0, 10, 1, "a"),
				read(2, 20, 30, 1, "a"),
				write(1, 0, 10, 1, "b"),
				read(2, 20, 30, 2, "b"),
			],
		});
		expect(result.verdict).toBe("illegal");
		expect(result.operations).toBe(4);
		expect(result.keys.map((k) => [k.key, k.verdict, k.operations])).toEqual([
			["a", "ok", 2],
			["b", "illegal", 2],
		]);
		expect(result.counterexample).toContain('key "b"');
	});

	it("explains which operation got stuck and which values were possible", () => {
		const history: History = {
			operations: [write(1, 0, 10, 4), write(1, 20, 30, 5), read(3, 40, 50, 4), write(2, 45, 60, 6)],
		};
		const result = checkHistory(history);
		expect(result.verdict).toBe("illegal");
		const example = result.keys[0]?.counterexample;
		// The deepest prefix places the concurrent write of 6 before the read; neither 5 nor 6 is 4.
		expect(example).toMatchObject({
			key: "x",
			linearized: 3,
			completed: 4,
			prefix: [0, 1, 3],
			stateAfterPrefix: 6,
			stuck: 2,
			possibleValues: [
				{ value: 5, setBy: 1 },
				{ value: 6, setBy: 3 },
			],
			concurrent: [],
		});
		expect(result.counterexample).toContain("Then op #2 client 3 read x → 4 [40, 50] must take effect");
		expect(result.counterexample).toContain(
			"x was 5 (set by op #1 client 1 write x = 5 [20, 30]) or 6 (set by op #3 client 2 write x = 6 [45, 60])",
		);
	});

	it("counts unknown outcomes per key", () => {
		const result = checkHistory({
			operations: [lost(write(1, 0, 10, 5)), read(2, 20, 30, 5), lost(read(3, 0, 5, 1))],
		});
		expect(result.keys[0]).toMatchObject({ verdict: "ok", operations: 3, unknownOutcomes: 2 });
	});

	it("answers unknown when the time budget runs out, without starving easier keys", () => {
		// 20 concurrent writes then a read of a value nobody wrote: proving it illegal needs every subset.
		const operations = Array.from({ length: 20 }, (_, i) => write(i, 0, 100, i + 1));
		operations.push(
			read(99, 200, 210, 1000),
			write(98, 300, 310, 1, "other"),
			read(97, 320, 330, 1, "other"),
		);
		const result = checkHistory({ operations }, { timeoutMs: 300 });
		expect(result.verdict).toBe("unknown");
		expect(result.keys.map((k) => [k.key, k.verdict, k.unknownReason])).toEqual([
			["x", "unknown", "time"],
			["other", "ok", undefined],
		]);
		expect(result.durationMs).toBeLessThan(5_000);
		expect(checkHistory({ operations }, { timeoutMs: 0 }).keys.map((k) => k.verdict)).toEqual([
			"unknown",
			"unknown",
		]);
	});
});

/** Reference answer by brute force: every subset of unknown operations, every real-time-respecting order. */
function bruteForce(operations: HistoryOperation[]): boolean {
	const known = operations.filter((op) => !isUnknownOutcome(op));
	const unknown = operations.filter((op) => isUnknownOutcome(op) && op.f !== "read");
	const end = (op: HistoryOperation) =>
		isUnknownOutcome(op) ? Number.POSITIVE_INFINITY : (op.return as number);
	for (let mask = 0; mask < 1 << unknown.length; mask++) {
		const items = [...known, ...unknown.filter((_, i) => mask & (1 << i))];
		const placed = new Array<boolean>(items.length).fill(false);
		const place = (state: RegisterState, count: number): boolean => {
			if (count === items.length) return true;
			for (let i = 0; i < items.length; i++) {
				const op = items[i] as HistoryOperation;
				if (placed[i]) continue;
				if (items.some((other, j) => !placed[j] && j !== i && end(other) < op.call)) continue;
				const after = isUnknownOutcome(op) ? applyUnknown(state, op) : stepKnown(state, op);
				if (after === undefined) continue;
				placed[i] = true;
				const ok = place(after, count + 1);
				placed[i] = false;
				if (ok) return true;
			}
			return false;
		};
		if (place(null, 0)) return true;
	}
	return false;
}

const smallValue = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 3 }));
const smallOperation: fc.Arbitrary<HistoryOperation> = fc
	.record({
		client: fc.integer({ min: 0, max: 3 }),
		f: fc.constantFrom("read", "write", "cas", "increment"),
		call: fc.integer({ min: 0, max: 12 }),
		duration: fc.integer({ min: 0, max: 8 }),
		unknown: fc.integer({ min: 0, max: 2 }).map((n) => n === 0),
		value: smallValue,
		to: fc.integer({ min: 0, max: 3 }),
		by: fc.integer({ min: -1, max: 2 }),
		ok: fc.boolean(),
	})
	.map((r): HistoryOperation => {
		const common = {
			client: r.client,
			key: "x",
			call: r.call,
			return: r.unknown ? null : r.call + r.duration,
		};
		switch (r.f) {
			case "read":
				return { ...common, f: "read", value: r.value };
			case "write":
				return { ...common, f: "write", value: r.to };
			case "cas":
				return { ...common, f: "cas", from: r.value, to: r.to, ok: r.ok };
			default:
				return { ...common, f: "increment", by: r.by, value: r.value ?? 0 };
		}
	});

describe("checkHistory: properties", () => {
	it("agrees with brute force on small random histories (legal or not)", () => {
		fc.assert(
			fc.property(fc.array(smallOperation, { minLength: 1, maxLength: 7 }), (operations) => {
				expect(checkHistory({ operations }).verdict).toBe(bruteForce(operations) ? "ok" : "illegal");
			}),
			{ numRuns: 5000 },
		);
	});

	const shape = fc.record({
		seed: fc.integer(),
		operations: fc.integer({ min: 1, max: 150 }),
		keys: fc.integer({ min: 1, max: 4 }),
		clients: fc.integer({ min: 1, max: 8 }),
		maxLatency: fc.integer({ min: 1, max: 200 }),
	});

	it("accepts every history a sequential simulation with overlapping timings produces", () => {
		fc.assert(
			fc.property(shape, fc.constantFrom(0, 0.05, 0.2), (options, unknownRate) => {
				const { history } = simulateRegisterHistory({ ...options, unknownRate });
				expect(checkHistory(history).verdict).toBe("ok");
			}),
			{ numRuns: 200 },
		);
	});

	it("rejects the same histories with one injected stale read", () => {
		fc.assert(
			fc.property(shape, fc.nat(), (options, pick) => {
				const { history, trace } = simulateRegisterHistory({
					...options,
					operations: options.operations + 20,
				});
				const ops = history.operations;
				// A read r, and an op w whose value was surely overwritten (by w2) before r was called.
				const stale: { r: number; value: number }[] = [];
				ops.forEach((r, ri) => {
					if (r.f !== "read") return;
					ops.forEach((w, wi) => {
						if (!trace[wi]?.changed || w.key !== r.key) return;
						const overwritten = ops.some(
							(w2, i) =>
								trace[i]?.changed &&
								w2.key === r.key &&
								(w.return as number) < w2.call &&
								(w2.return as number) < r.call,
						);
						if (overwritten) stale.push({ r: ri, value: trace[wi]?.after as number });
					});
				});
				fc.pre(stale.length > 0);
				const injected = stale[pick % stale.length] as { r: number; value: number };
				const operations = ops.map((op, i) => (i === injected.r ? { ...op, value: injected.value } : op));
				const result = checkHistory({ operations });
				expect(result.verdict).toBe("illegal");
				expect(result.counterexample).toContain(`key "${ops[injected.r]?.key}"`);
			}),
			{ numRuns: 200 },
		);
	});

	it("rejects the same histories with one injected lost write", () => {
		fc.assert(
			fc.property(shape, fc.nat(), (options, pick) => {
				const sized = { ...options, operations: options.operations + 20 };
				const { history } = simulateRegisterHistory(sized);
				const writes = history.operations.flatMap((op, i) => (op.f === "write" ? [i] : []));
				fc.pre(writes.length > 0);
				const lostWrite = writes[pick % writes.length] as number;
				const { history: withLoss, trace } = simulateRegisterHistory({ ...sized, loseWrite: lostWrite });
				const ops = withLoss.operations;
				const w = ops[lostWrite] as HistoryOperation;
				// Some read, called after the write answered ok, still sees a value set before the write was called.
				const witness = ops.some((r, i) => {
					if (r.f !== "read" || r.key !== w.key || r.call <= (w.return as number)) return false;
					const producer = trace[i]?.producer as number;
					return producer === -1 || (ops[producer]?.return as number) < w.call;
				});
				fc.pre(witness);
				expect(checkHistory(withLoss).verdict).toBe("illegal");
			}),
			{ numRuns: 200 },
		);
	});
});
