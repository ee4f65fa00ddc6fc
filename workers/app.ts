import { Hono } from "hono";
import { ApiError, errorResponse } from "./http/api-error.ts";
import type { AppEnv } from "./http/app-env.ts";
import { requireBearerToken } from "./http/auth.ts";
import { type ChannelNamespace, registerChannelRoutes } from "./routes/channel-routes.ts";
import { registerMetaRoutes } from "./routes/meta-routes.ts";
import { type ProbeNamespace, registerProbeRoutes } from "./routes/probe-routes.ts";
import { registerStoreRoutes } from "./routes/store-routes.ts";
import { StoreError, type StoreFactory, type StoreName } from "./stores/state-store.ts";

/** What the app needs from the outside world; index.ts wires in the real bindings. */
export interface AppDependencies {
	stores: Record<StoreName, StoreFactory>;
	/** The bench token secret, if the Worker has one (auth is off without it). */
	benchToken: (env: Env) => string | undefined;
	/** The realtime channels' Durable Object namespace (one ChannelObject per channel id). */
	channels: ChannelNamespace;
	/** The visibility probes' Durable Object namespace (one VisibilityProbe per region); no probe routes without it. */
	probes?: ProbeNamespace;
}

const STORE_ERROR_STATUS = {
	unsupported_mode: 422,
	out_of_range: 422,
	ttl_out_of_range: 422,
	cas_exhausted: 409,
	invalid_bookmark: 400,
} as const;

/** Build the Hono app. Routes are generic over the store interface; nothing here reads a binding. */
export function createApp(deps: AppDependencies) {
	const app = new Hono<AppEnv>();
	const auth = requireBearerToken(deps.benchToken);

	registerMetaRoutes(app, deps.stores);
	registerStoreRoutes(app, deps.stores, auth);
	registerChannelRoutes(app, deps.channels, deps.benchToken, auth);
	if (deps.probes) registerProbeRoutes(app, deps.stores, deps.probes, auth);

	app.notFound((c) =>
		errorResponse(c, 404, "not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`),
	);

	app.onError((error, c) => {
		if (error instanceof ApiError)
			return errorResponse(c, error.status, error.code, error.message, error.details);
		if (error instanceof StoreError) {
			return errorResponse(c, STORE_ERROR_STATUS[error.code], error.code, error.message, error.details);
		}
		// Anything else is a genuine failure of a store or of this code, never bad input.
		console.error("unhandled error", error);
		return errorResponse(c, 500, "internal_error", "the Worker failed while handling this request");
	});

	return app;
}

export type App = ReturnType<typeof createApp>;
