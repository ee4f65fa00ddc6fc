// ChannelObject: one Durable Object per channel id, fanning published messages
// out to every WebSocket subscribed to that channel.
//
// Where this comes from
// ---------------------
// The talk this project grew from ("Cloudflare Workersと状態管理", 2023) sketched
// server push like this:
//
//     sessions = {}                               // plain object in memory
//     app.get("/subscribe/:id", …) → server.accept(); this.sessions[id] = server
//     app.post("/publish/:id", …)  → this.sessions[id]?.send(payload)
//
// with a note that authentication was still missing. It shows the idea (a
// Durable Object is the one place every connection for an id meets), but a
// team could not ship it:
//
//   1. One socket per id. `sessions[id] = server` overwrites, so a second
//      subscriber (a second tab, a second phone) silently replaces the first,
//      which stays connected and never hears another message.
//   2. Everything lives in instance memory. When the runtime evicts the object
//      (it does that to idle objects, on deploys and on machine moves), the map
//      is gone and so is every connection it held.
//   3. `server.accept()` pins the object in memory for as long as any client is
//      connected, and it is billed for that whole time, even if nothing is
//      ever published.
//   4. No auth: anyone who guesses an id can listen in.
//
// What this version does instead
// ------------------------------
// * Every subscriber is its own socket, accepted with `ctx.acceptWebSocket()`
//   (the WebSocket Hibernation API). The *runtime* keeps the list of sockets,
//   not our object, so `ctx.getWebSockets()` returns all of them, however many
//   there are and even after the object was evicted and re-created.
// * Hibernation: with no publish in flight, the object can be evicted from
//   memory while its clients stay connected to Cloudflare's edge. An idle
//   channel with a thousand listeners costs no duration at all; the next
//   publish (or a client message) wakes a fresh instance, which finds every
//   socket still there. Anything per subscriber that must survive that goes in
//   the socket's attachment (`serializeAttachment`), never in a class field.
// * Ping/pong is answered by the runtime itself (`setWebSocketAutoResponse`),
//   so keep-alives from clients do not wake a hibernating object either.
// * `seq` lives in the object's SQLite storage, so it keeps counting across
//   evictions and restarts: subscribers can rely on it to spot gaps and order.
// * Auth happens in the Worker before the upgrade ever reaches this object
//   (signed tickets, see channel-tickets.ts), so the object only ever sees
//   subscribers that were allowed in.

import { DurableObject } from "cloudflare:workers";

/** What every subscriber receives for each publish. */
export interface ChannelMessage {
	seq: number;
	/** Epoch milliseconds at which the object accepted the publish. */
	publishedAt: number;
	payload: unknown;
}

/** The answer to a publish: the message's `seq` and how many open sockets it was sent to. */
export interface PublishResult {
	seq: number;
	delivered: number;
}

/** Per-socket memory that survives hibernation (stored by the runtime next to the socket). */
interface SubscriberAttachment {
	/** Epoch milliseconds at which the socket was accepted. */
	subscribedAt: number;
	/** The first `seq` this subscriber can receive (messages before it were published earlier). */
	firstSeq: number;
}

export class ChannelObject extends DurableObject<Env> {
	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		// The constructor runs again every time a hibernated object wakes up,
		// so it must only contain cheap, idempotent setup.
		//
		// One row holds the channel's sequence number. SQLite storage is
		// synchronous inside a Durable Object: no await, no interleaving.
		ctx.storage.sql.exec(
			"CREATE TABLE IF NOT EXISTS channel_seq (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL)",
		);
		// A client that sends the text "ping" gets "pong" straight from the
		// runtime, without this object being loaded into memory.
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
	}

	/**
	 * Accept a WebSocket subscriber. The Worker's route has already checked the
	 * `Upgrade: websocket` header and the ticket, and forwards only those
	 * requests here.
	 */
	override async fetch(_request: Request): Promise<Response> {
		const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
		// `ctx.acceptWebSocket(server)` instead of `server.accept()`: the runtime
		// owns the socket, so the object may hibernate while it stays open.
		this.ctx.acceptWebSocket(server);
		const attachment: SubscriberAttachment = { subscribedAt: Date.now(), firstSeq: this.currentSeq() + 1 };
		server.serializeAttachment(attachment);
		return new Response(null, { status: 101, webSocket: client });
	}

	/**
	 * Publish one message to every open subscriber (called over RPC by the Worker).
	 *
	 * Because a Durable Object runs one event at a time and SQLite calls are
	 * synchronous, the increment and the fan-out below happen with nothing in
	 * between: two concurrent publishes can never interleave or share a `seq`,
	 * and every subscriber sees the same order. The runtime's output gate holds
	 * the sends until the new `seq` is durably written, so no subscriber ever
	 * sees a number that a crash could take back.
	 */
	publish(payload: unknown): PublishResult {
		const seq = this.ctx.storage.sql
			.exec<{ seq: number }>(
				`INSERT INTO channel_seq (id, seq) VALUES (1, 1)
				 ON CONFLICT (id) DO UPDATE SET seq = seq + 1
				 RETURNING seq`,
			)
			.one().seq;
		const message: ChannelMessage = { seq, publishedAt: Date.now(), payload };
		// Serialise once, not once per subscriber.
		const text = JSON.stringify(message);

		let delivered = 0;
		for (const socket of this.ctx.getWebSockets()) {
			// A socket whose client has gone (closing or closed) is skipped and
			// not counted: "delivered" means "handed to an open connection".
			if (socket.readyState !== WebSocket.OPEN) continue;
			try {
				socket.send(text);
				delivered += 1;
			} catch {
				// A broken socket: drop it so later publishes do not try again.
				closeQuietly(socket, 1011, "delivery failed");
			}
		}
		return { seq, delivered };
	}

	/** How many subscribers are connected right now (counted from the runtime's list, not from memory). */
	subscriberCount(): number {
		return this.ctx.getWebSockets().filter((socket) => socket.readyState === WebSocket.OPEN).length;
	}

	/** The `seq` of the latest publish (0 before the first one). */
	currentSeq(): number {
		const row = this.ctx.storage.sql
			.exec<{ seq: number }>("SELECT seq FROM channel_seq WHERE id = 1")
			.toArray()[0];
		return row?.seq ?? 0;
	}

	// The three handlers below are how the Hibernation API delivers socket
	// events: as method calls, which wake the object if it was hibernating.
	// (With `server.accept()` you would use addEventListener instead, and those
	// listeners would be lost on eviction.)

	/**
	 * Channels are one-way: clients publish over HTTP with a bearer token, so
	 * an unauthenticated subscriber cannot inject messages. Anything a client
	 * sends other than the auto-answered "ping" gets an explanation back.
	 */
	override webSocketMessage(socket: WebSocket, _message: string | ArrayBuffer): void {
		const attachment = socket.deserializeAttachment() as SubscriberAttachment | null;
		socket.send(
			JSON.stringify({
				error: {
					code: "receive_only",
					message:
						"this socket only receives messages; send 'ping' to keep it alive and publish with POST /api/channels/{id}/publish",
					subscribedAt: attachment?.subscribedAt ?? null,
					firstSeq: attachment?.firstSeq ?? null,
				},
			}),
		);
	}

	/**
	 * The client went away. With compatibility dates from 2026-04-07 the runtime
	 * answers the close frame itself, the socket is already CLOSED here and the
	 * `close()` below is a no-op; on older dates it completes the handshake.
	 * Either way the socket drops out of `getWebSockets()` with no map of ours
	 * to clean up (the talk's sketch would have had to delete its entry by hand).
	 */
	override webSocketClose(socket: WebSocket, code: number, reason: string): void {
		closeQuietly(socket, code, reason);
	}

	/** A transport error: close the socket so it is never counted again. */
	override webSocketError(socket: WebSocket): void {
		closeQuietly(socket, 1011, "websocket error");
	}
}

/** Close a socket that may already be closed (closing twice throws, and there is nobody left to tell). */
function closeQuietly(socket: WebSocket, code: number, reason: string): void {
	try {
		// 1005/1006 are reserved codes that only describe a close; they cannot be sent.
		socket.close(code === 1005 || code === 1006 ? 1000 : code, reason);
	} catch {
		// already closed
	}
}
