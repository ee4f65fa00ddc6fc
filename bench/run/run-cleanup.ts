import type { CleanupList } from "../scenarios/scenario.ts";
import type { TargetClient } from "../target/target-client.ts";

const CLEANUP_CONCURRENCY = 4;

/**
 * The counters and sessions this run created, deleted at the end. Only ids the run itself made
 * (keys under its run prefix, session ids its own creates returned) are ever deleted.
 */
export class CleanupRegistry implements CleanupList {
	/** A list that remembers nothing: for the embedded `wrangler dev`, whose state is thrown away anyway. */
	static readonly none: CleanupList = { counter() {}, session() {} };

	readonly #items = new Set<string>();

	counter(store: string, key: string): void {
		this.#items.add(`/api/${store}/counters/${key}`);
	}

	session(store: string, id: string): void {
		this.#items.add(`/api/${store}/sessions/${id}`);
	}

	get size(): number {
		return this.#items.size;
	}

	/** Delete everything registered; resolves with the number of deletes that failed. */
	async run(client: TargetClient): Promise<number> {
		const paths = [...this.#items];
		let next = 0;
		let failed = 0;
		const worker = async () => {
			while (next < paths.length) {
				const path = paths[next++] as string;
				try {
					const answer = await client.call("DELETE", path);
					if (answer.status !== 204 && answer.status !== 404) failed++;
				} catch {
					failed++;
				}
			}
		};
		await Promise.all(Array.from({ length: CLEANUP_CONCURRENCY }, worker));
		this.#items.clear();
		return failed;
	}
}
