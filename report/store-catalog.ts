import type { BenchResults } from "./results-schema.ts";

/** The five stores in the order the workshop introduces them; other stores follow alphabetically. */
const KNOWN_STORES = ["cache", "kv", "do", "d1", "r2"] as const;

const DOCUMENTED_MODELS: Record<string, string> = {
	cache: "Per data center, never replicated",
	kv: "Eventually consistent, last write wins",
	do: "Strongly consistent per object (single-threaded)",
	d1: "SQLite, one primary; sequential with the Sessions API",
	r2: "Strong read-after-write; conditional puts",
};

const STORE_LABELS: Record<string, string> = {
	cache: "Cache API",
	kv: "Workers KV",
	do: "Durable Objects",
	d1: "D1",
	r2: "R2",
};

/** Every store mentioned anywhere in the results, in display order. */
export function storesInResults(results: BenchResults): string[] {
	const names = new Set<string>();
	for (const traits of results.stores ?? []) names.add(traits.name);
	for (const row of results.latency ?? []) if (row.store !== null) names.add(row.store);
	for (const section of [
		results.contention,
		results.linearizability,
		results.sessionGuarantees,
		results.visibility,
		results.sessionExpiry,
	]) {
		for (const row of section ?? []) names.add(row.store);
	}
	return sortStores([...names]);
}

/** Sorts store names: the five known stores first, in workshop order, then the rest alphabetically. */
export function sortStores(names: Iterable<string>): string[] {
	const rank = (name: string) => {
		const index = (KNOWN_STORES as readonly string[]).indexOf(name);
		return index === -1 ? KNOWN_STORES.length : index;
	};
	return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Human name of a store ("kv" → "Workers KV"); unknown stores keep their name. */
export function storeLabel(name: string | null): string {
	if (name === null) return "Worker only";
	return STORE_LABELS[name] ?? name;
}

const SHORT_LABELS: Record<string, string> = { cache: "Cache", kv: "KV", do: "DO", d1: "D1", r2: "R2" };

/** Short store name for crowded chart axes ("do" → "DO"). */
export function storeShortLabel(name: string | null): string {
	if (name === null) return "Worker";
	return SHORT_LABELS[name] ?? name;
}

/** The consistency model the Worker reported for a store, else the documented one from DESIGN. */
export function consistencyModel(results: BenchResults, name: string): string | null {
	const reported = results.stores?.find((traits) => traits.name === name)?.consistencyModel;
	return reported ?? DOCUMENTED_MODELS[name] ?? null;
}

/** Key of the chart colour for a store (`--c-<key>` in report.css). */
export function storeColorKey(name: string | null, allStores: readonly string[]): string {
	if (name === null) return "worker";
	if ((KNOWN_STORES as readonly string[]).includes(name)) return name;
	const extras = allStores.filter((store) => !(KNOWN_STORES as readonly string[]).includes(store));
	return `extra-${Math.max(0, extras.indexOf(name)) % 4}`;
}
