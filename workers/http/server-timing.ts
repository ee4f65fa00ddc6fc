import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";

/**
 * Run a store operation and add its duration to `Server-Timing: store;dur=…`,
 * so a client can tell time spent in storage from time spent on the network.
 * Several operations in one request (a naive read-then-write) add up.
 */
export async function timeStore<T>(c: Context<AppEnv>, operation: () => Promise<T>): Promise<T> {
	const started = performance.now();
	try {
		return await operation();
	} finally {
		const total = (c.get("storeMs") ?? 0) + (performance.now() - started);
		c.set("storeMs", total);
		c.header("Server-Timing", `store;dur=${total.toFixed(2)}`);
	}
}
