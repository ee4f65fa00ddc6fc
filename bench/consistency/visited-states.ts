/**
 * The checker's memo: a set of (linearized-operations bitset, register state) pairs in flat typed
 * arrays (open addressing, linear probing), so millions of entries stay compact and exact.
 */
import type { RegisterState } from "./register-model.ts";

const INITIAL_ENTRIES = 1024;

/** Exact set of (bitset, state) pairs; callers supply two 32-bit hashes of the bitset. */
export class VisitedStates {
	private slots = new Int32Array(INITIAL_ENTRIES * 2);
	private primary = new Uint32Array(INITIAL_ENTRIES);
	private secondary = new Uint32Array(INITIAL_ENTRIES);
	/** `NaN` stands for the absent state. */
	private states = new Float64Array(INITIAL_ENTRIES);
	private bitsets: Uint32Array;
	private count = 0;

	/** `words`: length of every bitset (Uint32 words). */
	constructor(private readonly words: number) {
		this.bitsets = new Uint32Array(INITIAL_ENTRIES * words);
	}

	/** Number of pairs stored. */
	get size(): number {
		return this.count;
	}

	/** Bytes held by the backing arrays. */
	get bytes(): number {
		return (
			this.slots.byteLength +
			this.primary.byteLength +
			this.secondary.byteLength +
			this.states.byteLength +
			this.bitsets.byteLength
		);
	}

	/** Adds (bits, state); false when it was already present. `hash1`/`hash2` must be functions of `bits`. */
	add(bits: Uint32Array, state: RegisterState, hash1: number, hash2: number): boolean {
		let s = 0x9e3779b9;
		if (state !== null) {
			s = Math.imul((state >>> 0) ^ Math.imul(Math.floor(state / 4294967296) | 0, 0x27d4eb2d), 0x85ebca6b);
			s ^= s >>> 15;
		}
		const h = (hash1 ^ s) >>> 0;
		const check = (hash2 ^ Math.imul(s, 0xc2b2ae35)) >>> 0;
		const stored = state === null ? Number.NaN : state;
		const mask = this.slots.length - 1;
		let i = h & mask;
		for (let slot = this.slots[i] as number; slot !== 0; slot = this.slots[i] as number) {
			const e = slot - 1;
			if (
				this.primary[e] === h &&
				this.secondary[e] === check &&
				this.sameState(e, stored) &&
				this.sameBits(e, bits)
			) {
				return false;
			}
			i = (i + 1) & mask;
		}
		if (this.count === this.primary.length) this.growEntries();
		const e = this.count++;
		this.primary[e] = h;
		this.secondary[e] = check;
		this.states[e] = stored;
		this.bitsets.set(bits, e * this.words);
		this.slots[i] = e + 1;
		if (this.count * 2 > this.slots.length) this.rehash();
		return true;
	}

	private sameState(e: number, stored: number): boolean {
		const other = this.states[e] as number;
		return other === stored || (Number.isNaN(other) && Number.isNaN(stored));
	}

	private sameBits(e: number, bits: Uint32Array): boolean {
		const base = e * this.words;
		for (let w = 0; w < this.words; w++) if (this.bitsets[base + w] !== bits[w]) return false;
		return true;
	}

	private growEntries(): void {
		const capacity = this.primary.length * 2;
		const grow = <T extends Uint32Array | Float64Array>(old: T, make: (n: number) => T, perEntry = 1): T => {
			const next = make(capacity * perEntry);
			next.set(old);
			return next;
		};
		this.primary = grow(this.primary, (n) => new Uint32Array(n));
		this.secondary = grow(this.secondary, (n) => new Uint32Array(n));
		this.states = grow(this.states, (n) => new Float64Array(n));
		this.bitsets = grow(this.bitsets, (n) => new Uint32Array(n), this.words);
	}

	private rehash(): void {
		this.slots = new Int32Array(this.slots.length * 2);
		const mask = this.slots.length - 1;
		for (let e = 0; e < this.count; e++) {
			let i = (this.primary[e] as number) & mask;
			while (this.slots[i] !== 0) i = (i + 1) & mask;
			this.slots[i] = e + 1;
		}
	}
}
