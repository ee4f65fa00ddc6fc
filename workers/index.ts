// The Worker entry point.
//
// Everything a request needs is wired here and nowhere else: the store
// registry turns bindings into store objects, and the Hono app in app.ts
// routes requests to them without ever reading `env.X` itself. That keeps
// the routes generic (one implementation for five stores) and lets tests
// hand the app whatever stores they like.

import { createApp } from "./app.ts";
import { storeRegistry } from "./stores/registry.ts";

// Durable Object classes must be exported from the entry module by the name
// wrangler.toml gives them.
export { ChannelObject } from "./channels/channel-object.ts";
export { VisibilityProbe } from "./probes/visibility-probe.ts";
export { CounterObject } from "./stores/do/counter-object.ts";

const app = createApp({
	stores: storeRegistry,
	benchToken: (env) => env.BENCH_TOKEN,
	channels: (env) => env.CHANNEL,
	probes: (env) => env.PROBE,
});

export default {
	fetch: app.fetch,
} satisfies ExportedHandler<Env>;
