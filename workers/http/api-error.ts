import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * An error the client can act on. Thrown anywhere in a route, it becomes
 * `{"error": {"code", "message", ...details}}` with its 4xx status, so every
 * failure a client sees has the same shape.
 */
export class ApiError extends Error {
	constructor(
		readonly status: ContentfulStatusCode,
		readonly code: string,
		message: string,
		readonly details: Record<string, unknown> = {},
	) {
		super(message);
		this.name = "ApiError";
	}
}

/** Answer an error in the documented JSON shape. */
export function errorResponse(
	c: Context,
	status: ContentfulStatusCode,
	code: string,
	message: string,
	details: Record<string, unknown> = {},
): Response {
	return c.json({ error: { code, message, ...details } }, status);
}
