import type { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { routes } from "../http/method-routes.ts";
import type { StoreFactory, StoreName } from "../stores/state-store.ts";

/** `GET /api/health` (cheap, used by the bench for calibration) and `GET /api/stores` (each store's traits). */
export function registerMetaRoutes(app: Hono<AppEnv>, stores: Record<StoreName, StoreFactory>): void {
	routes(app, "/api/health", { GET: [(c) => c.json({ ok: true })] });
	routes(app, "/api/stores", {
		GET: [
			(c) =>
				c.json({
					stores: Object.values(stores).map((factory) => factory(c.env, { bookmark: null }).traits),
				}),
		],
	});
}
