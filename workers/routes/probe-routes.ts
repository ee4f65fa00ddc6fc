import type { Hono, MiddlewareHandler } from "hono";
import { z } from "zod";
import { ApiError } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { routes } from "../http/method-routes.ts";
import { parseBody } from "../http/request-body.ts";
import { KEY_PATTERN, safeInteger } from "../http/schemas.ts";
import type { VisibilityObservation, VisibilityProbe } from "../probes/visibility-probe.ts";
import type { StoreFactory, StoreName } from "../stores/state-store.ts";

/** Turns the Worker's bindings into the visibility probes' Durable Object namespace. */
export type ProbeNamespace = (env: Env) => DurableObjectNamespace<VisibilityProbe>;

/** Region names a probe can be placed in (Durable Object location hints). */
export const PROBE_REGIONS = [
	"wnam",
	"enam",
	"sam",
	"weur",
	"eeur",
	"apac",
	"apac-ne",
	"apac-se",
	"oc",
	"afr",
	"me",
] as const satisfies readonly DurableObjectLocationHint[];

/** Longest a caller may ask the probes to wait. */
export const MAX_PROBE_TIMEOUT_MS = 30_000;

const visibilityBody = z.strictObject({
	store: z.string({ error: "must be a store name" }),
	key: z
		.string({ error: "must be a string" })
		.regex(KEY_PATTERN, "must be 1–128 characters of A–Z, a–z, 0–9, '_' or '-'"),
	value: safeInteger,
	regions: z
		.array(z.string({ error: "must be region names" }), { error: "must be an array of region names" })
		.min(1, "must name at least one region"),
	timeoutMs: z
		.unknown()
		.default(10_000)
		.transform((value, ctx) => {
			if (typeof value !== "number" || !Number.isInteger(value)) {
				ctx.addIssue({ code: "custom", message: "must be a whole number of milliseconds" });
				return z.NEVER;
			}
			if (value < 1 || value > MAX_PROBE_TIMEOUT_MS) {
				ctx.addIssue({
					code: "custom",
					message: `must be between 1 and ${MAX_PROBE_TIMEOUT_MS} milliseconds`,
					params: { outOfRange: true },
				});
				return z.NEVER;
			}
			return value;
		}),
});

/** One region's answer. */
export interface ProbeLocation extends VisibilityObservation {
	region: DurableObjectLocationHint;
}

/**
 * `POST /api/probes/visibility {store, key, value, regions, timeoutMs}`: one VisibilityProbe per
 * region polls the store until it reads `value`, and the answer lists time-to-visible and colo per
 * region. Local dev has one location, so every probe runs in this process; the answer says so
 * (`"local": true`, colo `"local"`).
 */
export function registerProbeRoutes(
	app: Hono<AppEnv>,
	stores: Record<StoreName, StoreFactory>,
	probes: ProbeNamespace,
	auth: MiddlewareHandler<AppEnv>,
): void {
	routes(app, "/api/probes/visibility", {
		POST: [
			auth,
			async (c) => {
				const startedAt = Date.now();
				const body = await parseBody(c, visibilityBody);
				if (!Object.hasOwn(stores, body.store)) {
					throw new ApiError(
						404,
						"store_not_found",
						`no store '${body.store}': choose one of ${Object.keys(stores).join(", ")}`,
					);
				}
				const unknownRegions = body.regions.filter((r) => !(PROBE_REGIONS as readonly string[]).includes(r));
				if (unknownRegions.length > 0) {
					throw new ApiError(
						422,
						"unsupported_region",
						`unknown region(s) ${unknownRegions.map((r) => `'${r}'`).join(", ")}: choose from ${PROBE_REGIONS.join(", ")}`,
					);
				}
				const regions = [...new Set(body.regions)] as DurableObjectLocationHint[];
				const local = isLocalRequest(c.req.url);
				const namespace = probes(c.env);
				const locations: ProbeLocation[] = await Promise.all(
					regions.map(async (region) => {
						const probe = namespace.getByName(`visibility-${region}`, { locationHint: region });
						const seen = await probe.watch({
							store: body.store as StoreName,
							key: body.key,
							value: body.value,
							startedAt,
							timeoutMs: body.timeoutMs,
							local,
						});
						return { region, ...seen };
					}),
				);
				return c.json({
					store: body.store,
					key: body.key,
					value: body.value,
					local,
					...(local
						? {
								note: "local dev has one location: every probe ran in this process, whatever its region, so these times say nothing about propagation between data centers",
							}
						: {}),
					locations,
				});
			},
		],
	});
}

/** The Worker is served from localhost (wrangler dev) rather than from Cloudflare's network. */
function isLocalRequest(url: string): boolean {
	const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
	return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
