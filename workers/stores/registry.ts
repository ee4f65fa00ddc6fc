// The store registry: the one place that turns the Worker's bindings into
// store objects. Adding a sixth store is one folder plus one line here.

import { CacheStore } from "./cache/cache-store.ts";
import { D1Store } from "./d1/d1-store.ts";
import { DoStore } from "./do/do-store.ts";
import { KvStore } from "./kv/kv-store.ts";
import { R2Store } from "./r2/r2-store.ts";
import type { StoreFactory, StoreName } from "./state-store.ts";

export const storeRegistry: Record<StoreName, StoreFactory> = {
	cache: () => new CacheStore(caches),
	kv: (env) => new KvStore(env.KV),
	do: (env) => new DoStore(env.COUNTER),
	d1: (env, context) => new D1Store(env.DB, context.bookmark),
	r2: (env) => new R2Store(env.BUCKET),
};
