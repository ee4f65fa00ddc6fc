// The store registry: the one place that turns the Worker's bindings into
// store objects. Adding a sixth store is one folder plus one line here.

import { KvStore } from "./kv/kv-store.ts";
import type { StoreFactory, StoreName } from "./state-store.ts";

export const storeRegistry: Record<StoreName, StoreFactory> = {
	kv: (env) => new KvStore(env.KV),
} as unknown as Record<StoreName, StoreFactory>;
