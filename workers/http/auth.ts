import type { MiddlewareHandler } from "hono";
import { ApiError } from "./api-error.ts";
import type { AppEnv } from "./app-env.ts";

/**
 * Bearer-token auth, active only when the Worker has a `BENCH_TOKEN` secret.
 * Local dev has no secret, so everything is open there; a deployed Worker
 * that anyone can find must not let strangers write to its stores.
 *
 * The token is read through a getter so routes never touch `env.X` directly.
 */
export function requireBearerToken(getToken: (env: Env) => string | undefined): MiddlewareHandler<AppEnv> {
	return async (c, next) => {
		const expected = getToken(c.env);
		if (expected) {
			const header = c.req.header("authorization") ?? "";
			const match = /^Bearer\s+(.+)$/i.exec(header);
			if (!match?.[1]) {
				throw new ApiError(401, "unauthorized", "this Worker requires 'Authorization: Bearer <BENCH_TOKEN>'");
			}
			if (!(await constantTimeEqual(match[1].trim(), expected))) {
				throw new ApiError(401, "unauthorized", "the bearer token is not valid for this Worker");
			}
		}
		await next();
	};
}

/**
 * Compare two secrets without leaking, through timing, how many leading
 * characters matched: both sides are hashed to fixed-length digests first and
 * then compared with the runtime's `timingSafeEqual`.
 */
export async function constantTimeEqual(given: string, expected: string): Promise<boolean> {
	const encoder = new TextEncoder();
	const [a, b] = await Promise.all([
		crypto.subtle.digest("SHA-256", encoder.encode(given)),
		crypto.subtle.digest("SHA-256", encoder.encode(expected)),
	]);
	return crypto.subtle.timingSafeEqual(a, b);
}
