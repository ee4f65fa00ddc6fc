import type { Context, Hono, MiddlewareHandler } from "hono";
import type { ChannelObject } from "../channels/channel-object.ts";
import { issueChannelTicket, TICKET_TTL_MS, verifyChannelTicket } from "../channels/channel-tickets.ts";
import { ApiError } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { routes } from "../http/method-routes.ts";
import { readJsonBody } from "../http/request-body.ts";
import { KEY_PATTERN } from "../http/schemas.ts";
import { timeStore } from "../http/server-timing.ts";

/** Turns the Worker's bindings into the channel Durable Object namespace. */
export type ChannelNamespace = (env: Env) => DurableObjectNamespace<ChannelObject>;

/**
 * The realtime channel routes: subscribe (WebSocket), publish, tickets and
 * subscriber count. Precedence follows DESIGN.md: route (404/405) → auth
 * (401: bearer token, or a ticket for subscribe) → id (400) → body (413/400)
 * or missing upgrade (426).
 *
 * Without a BENCH_TOKEN secret everything is open and `POST …/tickets`
 * answers 422 `tickets_disabled`: there is nothing to sign with, and no
 * ticket is needed.
 */
export function registerChannelRoutes(
	app: Hono<AppEnv>,
	channels: ChannelNamespace,
	benchToken: (env: Env) => string | undefined,
	auth: MiddlewareHandler<AppEnv>,
): void {
	const channel = (c: Context<AppEnv>) => channels(c.env).getByName(channelId(c));

	routes(app, "/api/channels/:id/subscribe", {
		GET: [
			requireTicket(benchToken),
			async (c) => {
				const stub = channel(c);
				if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
					throw new ApiError(
						426,
						"upgrade_required",
						"subscribe is a WebSocket endpoint: connect with a WebSocket client (header 'Upgrade: websocket')",
					);
				}
				// The upgrade itself happens inside the channel's Durable Object,
				// which keeps the socket (see channel-object.ts).
				return stub.fetch(c.req.raw);
			},
		],
	});

	routes(app, "/api/channels/:id/publish", {
		POST: [
			auth,
			async (c) => {
				const stub = channel(c);
				const payload = await readJsonBody(c);
				if (payload === undefined) {
					throw new ApiError(
						400,
						"invalid_body",
						"publish needs a JSON body: any JSON value (object, array, string, number, boolean or null)",
					);
				}
				const result = await timeStore(c, () => stub.publish(payload));
				return c.json({ seq: result.seq, delivered: result.delivered });
			},
		],
	});

	routes(app, "/api/channels/:id/tickets", {
		POST: [
			auth,
			async (c) => {
				const id = channelId(c);
				const secret = benchToken(c.env);
				if (!secret) {
					throw new ApiError(
						422,
						"tickets_disabled",
						"this Worker has no BENCH_TOKEN secret, so channels are open: subscribe without a ticket",
					);
				}
				return c.json(await issueChannelTicket(secret, id));
			},
		],
	});

	routes(app, "/api/channels/:id", {
		GET: [
			auth,
			async (c) => {
				const stub = channel(c);
				const subscribers = await timeStore(c, () => stub.subscriberCount());
				return c.json({ subscribers });
			},
		],
	});
}

/**
 * Subscribe-side auth. Browsers cannot send an Authorization header with a
 * WebSocket, so when the Worker has a BENCH_TOKEN the subscriber shows a
 * signed ticket in `?ticket=` instead; every refusal is a JSON 401 sent
 * before any upgrade, so the client gets a readable reason rather than a
 * bare failed handshake.
 */
function requireTicket(benchToken: (env: Env) => string | undefined): MiddlewareHandler<AppEnv> {
	return async (c, next) => {
		const secret = benchToken(c.env);
		if (secret) {
			const ticket = c.req.query("ticket");
			if (!ticket) {
				throw new ApiError(
					401,
					"ticket_required",
					`this Worker requires a subscribe ticket: POST /api/channels/{id}/tickets with the bearer token, then connect to subscribe?ticket=… within ${TICKET_TTL_MS / 1000} s`,
				);
			}
			const rejection = await verifyChannelTicket(secret, c.req.param("id") ?? "", ticket);
			if (rejection) throw new ApiError(401, rejection.code, rejection.message);
		}
		await next();
	};
}

/** The `:id` path segment, checked against the key pattern (Hono hands it over percent-decoded). */
function channelId(c: Context<AppEnv>): string {
	const id = c.req.param("id") ?? "";
	if (!KEY_PATTERN.test(id)) {
		throw new ApiError(400, "invalid_id", "channel id must be 1–128 characters of A–Z, a–z, 0–9, '_' or '-'");
	}
	return id;
}
