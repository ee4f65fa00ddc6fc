import type { Handler, Hono, MiddlewareHandler } from "hono";
import { errorResponse } from "./api-error.ts";
import type { AppEnv } from "./app-env.ts";

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
type Chain = [...MiddlewareHandler<AppEnv>[], Handler<AppEnv>];

/**
 * Register the handlers for one path, plus a catch-all that answers 405 with
 * an `Allow` header for any other method. (Hono on its own would answer a
 * wrong method with a plain-text 404, which hides the client's real mistake.)
 */
export function routes(app: Hono<AppEnv>, path: string, byMethod: Partial<Record<Method, Chain>>): void {
	const allowed = Object.keys(byMethod) as Method[];
	for (const method of allowed) {
		const chain = byMethod[method] as Handler<AppEnv>[];
		app.on(method, path, ...(chain as [Handler<AppEnv>]));
	}
	app.all(path, (c) => {
		c.header("Allow", allowed.join(", "));
		return errorResponse(
			c,
			405,
			"method_not_allowed",
			`${c.req.method} is not allowed here; use ${allowed.join(" or ")}`,
		);
	});
}
