import type { Context, Hono, MiddlewareHandler } from "hono";
import { ApiError } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { routes } from "../http/method-routes.ts";
import { parseBody } from "../http/request-body.ts";
import {
	casBody,
	createSessionBody,
	incrementBody,
	KEY_PATTERN,
	patchSessionBody,
	putCounterBody,
} from "../http/schemas.ts";
import { timeStore } from "../http/server-timing.ts";
import type { IncrementMode, StateStore, StoreFactory, StoreName } from "../stores/state-store.ts";

/** D1 Sessions API bookmark: sent back by the client to read at least that fresh. */
export const BOOKMARK_HEADER = "x-d1-bookmark";

/**
 * The counter and session routes, written once for every store.
 *
 * The `:store` segment only matches registered store names, so an unknown
 * store is an unknown route (404) before auth or body are looked at, which
 * is the precedence DESIGN.md asks for: route → auth → body.
 */
export function registerStoreRoutes(
	app: Hono<AppEnv>,
	stores: Record<StoreName, StoreFactory>,
	auth: MiddlewareHandler<AppEnv>,
): void {
	const storeNames = Object.keys(stores).join("|");
	const base = `/api/:store{${storeNames}}`;

	const withStore = async <T>(c: Context<AppEnv>, run: (store: StateStore) => Promise<T>): Promise<T> => {
		const name = c.req.param("store") as StoreName;
		const store = stores[name](c.env, { bookmark: c.req.header(BOOKMARK_HEADER) ?? null });
		try {
			return await timeStore(c, () => run(store));
		} finally {
			const token = store.consistencyToken?.();
			if (token) c.header(BOOKMARK_HEADER, token);
		}
	};

	routes(app, `${base}/counters/:key`, {
		GET: [
			auth,
			async (c) => {
				const key = pathKey(c, "key");
				const value = await withStore(c, (s) => s.getCounter(key));
				return c.json({ value });
			},
		],
		PUT: [
			auth,
			async (c) => {
				const key = pathKey(c, "key");
				const body = await parseBody(c, putCounterBody);
				const value = await withStore(c, (s) => s.putCounter(key, body.value));
				return c.json({ value });
			},
		],
		DELETE: [
			auth,
			async (c) => {
				const key = pathKey(c, "key");
				await withStore(c, (s) => s.deleteCounter(key));
				return c.body(null, 204);
			},
		],
	});

	routes(app, `${base}/counters/:key/increment`, {
		POST: [
			auth,
			async (c) => {
				const key = pathKey(c, "key");
				const requested = c.req.query("mode");
				if (requested !== undefined && requested !== "atomic" && requested !== "naive") {
					throw new ApiError(400, "invalid_mode", `mode must be 'atomic' or 'naive', not '${requested}'`);
				}
				const body = await parseBody(c, incrementBody);
				const result = await withStore(c, (s) => {
					const mode: IncrementMode = requested ?? (s.traits.atomicIncrement.supported ? "atomic" : "naive");
					if (mode === "atomic" && !s.traits.atomicIncrement.supported)
						throw unsupported(s, "atomic increments", s.traits.atomicIncrement.technique);
					return s.increment(key, body.by, mode);
				});
				return c.json(result);
			},
		],
	});

	routes(app, `${base}/counters/:key/cas`, {
		POST: [
			auth,
			async (c) => {
				const key = pathKey(c, "key");
				const body = await parseBody(c, casBody);
				const result = await withStore(c, (s) => {
					if (!s.traits.compareAndSwap.supported)
						throw unsupported(s, "compare-and-swap", s.traits.compareAndSwap.technique);
					return s.compareAndSwap(key, body.expected, body.value);
				});
				return c.json(result);
			},
		],
	});

	routes(app, `${base}/sessions`, {
		POST: [
			auth,
			async (c) => {
				const body = await parseBody(c, createSessionBody);
				const session = await withStore(c, (s) => {
					checkTtl(s, body.ttlSeconds);
					return s.createSession(body.data, body.ttlSeconds);
				});
				return c.json(session, 201);
			},
		],
	});

	routes(app, `${base}/sessions/:id`, {
		GET: [
			auth,
			async (c) => {
				const id = pathKey(c, "id");
				const session = await withStore(c, (s) => s.getSession(id));
				if (!session) throw sessionNotFound(id);
				return c.json(session);
			},
		],
		PATCH: [
			auth,
			async (c) => {
				const id = pathKey(c, "id");
				const patch = await parseBody(c, patchSessionBody);
				const session = await withStore(c, (s) => {
					if (patch.ttlSeconds !== undefined) checkTtl(s, patch.ttlSeconds);
					return s.updateSession(id, patch);
				});
				if (!session) throw sessionNotFound(id);
				return c.json(session);
			},
		],
		DELETE: [
			auth,
			async (c) => {
				const id = pathKey(c, "id");
				await withStore(c, (s) => s.deleteSession(id));
				return c.body(null, 204);
			},
		],
	});
}

/** A path parameter checked against the key pattern (Hono hands it over already percent-decoded). */
function pathKey(c: Context<AppEnv>, name: "key" | "id"): string {
	const value = c.req.param(name) ?? "";
	if (!KEY_PATTERN.test(value)) {
		throw new ApiError(
			400,
			name === "key" ? "invalid_key" : "invalid_id",
			`${name} must be 1–128 characters of A–Z, a–z, 0–9, '_' or '-'`,
		);
	}
	return value;
}

function checkTtl(store: StateStore, ttlSeconds: number): void {
	const { minSeconds, maxSeconds, mechanism } = store.traits.ttl;
	if (ttlSeconds < minSeconds || ttlSeconds > maxSeconds) {
		throw new ApiError(
			422,
			"ttl_out_of_range",
			`${store.traits.title} accepts ttlSeconds from ${minSeconds} to ${maxSeconds} (${mechanism}); got ${ttlSeconds}`,
		);
	}
}

function unsupported(store: StateStore, what: string, why: string): ApiError {
	return new ApiError(422, "unsupported_mode", `${store.traits.title} does not support ${what}: ${why}`);
}

function sessionNotFound(id: string): ApiError {
	return new ApiError(
		404,
		"session_not_found",
		`no live session '${id}' (it never existed, was deleted or expired)`,
	);
}
