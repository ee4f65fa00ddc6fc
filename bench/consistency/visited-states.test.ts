import { describe, expect, it } from "vitest";
import { VisitedStates } from "./visited-states.ts";

describe("VisitedStates", () => {
	it("remembers exact (bitset, state) pairs, telling absent from 0", () => {
		const visited = new VisitedStates(2);
		const bits = Uint32Array.of(5, 1);
		expect(visited.add(bits, null, 1, 2)).toBe(true);
		expect(visited.add(bits, null, 1, 2)).toBe(false);
		expect(visited.add(bits, 0, 1, 2)).toBe(true);
		expect(visited.add(bits, 2 ** 40 + 3, 1, 2)).toBe(true);
		expect(visited.add(bits, 2 ** 40 + 3, 1, 2)).toBe(false);
		expect(visited.add(Uint32Array.of(5, 3), null, 1, 2)).toBe(true);
		expect(visited.size).toBe(4);
	});

	it("stays exact when every entry has the same hashes, across growth", () => {
		const visited = new VisitedStates(3);
		const bitsFor = (i: number) => Uint32Array.of(i, i * 7, 0xffffffff - i);
		for (let i = 0; i < 5000; i++) expect(visited.add(bitsFor(i), i % 3 === 0 ? null : i, 42, 42)).toBe(true);
		for (let i = 0; i < 5000; i += 97)
			expect(visited.add(bitsFor(i), i % 3 === 0 ? null : i, 42, 42)).toBe(false);
		expect(visited.add(bitsFor(1), 2, 42, 42)).toBe(true);
		expect(visited.size).toBe(5001);
		expect(visited.bytes).toBeGreaterThan(5001 * 3 * 4);
	});
});
