import { evictDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "../app.ts";
import type { ChannelMessage } from "../channels/channel-object.ts";
import { issueChannelTicket, TICKET_TTL_MS } from "../channels/channel-tickets.ts";
import { storeRegistry } from "../stores/registry.ts";

// Realtime channels inside workerd: real ChannelObject Durable Objects, real
// hibernatable WebSockets, real eviction. The open (no BENCH_TOKEN) Worker is
// `exports.default`; the ticket cases build the same app with a token getter.

const BASE = "http://lab";
let counter = 0;
const uniqueChannel = (prefix: string) => `${prefix}-${Date.now()}-${counter++}`;

interface Subscriber {
	socket: WebSocket;
	messages: ChannelMessage[];
	/** Raw text frames that were not channel messages (pong, error replies). */
	other: string[];
}

type Fetch = (url: string, init?: RequestInit) => Promise<Response>;
const openWorker: Fetch = (url, init) => exports.default.fetch(url, init);

async function subscribe(channel: string, query = "", fetcher: Fetch = openWorker): Promise<Subscriber> {
	const res = await fetcher(`${BASE}/api/channels/${channel}/subscribe${query}`, {
		headers: { Upgrade: "websocket" },
	});
	expect(res.status).toBe(101);
	const socket = res.webSocket;
	if (!socket) throw new Error("101 without a webSocket");
	socket.accept();
	const subscriber: Subscriber = { socket, messages: [], other: [] };
	socket.addEventListener("message", (event) => {
		const text = event.data as string;
		const parsed = JSON.parse(text === "pong" ? "null" : text) as ChannelMessage | null;
		if (parsed && "seq" in parsed) subscriber.messages.push(parsed);
		else subscriber.other.push(text);
	});
	return subscriber;
}

async function publish(channel: string, payload: unknown, fetcher: Fetch = openWorker): Promise<Response> {
	return fetcher(`${BASE}/api/channels/${channel}/publish`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify(payload),
	});
}

async function publishOk(channel: string, payload: unknown): Promise<{ seq: number; delivered: number }> {
	const res = await publish(channel, payload);
	expect(res.status).toBe(200);
	return res.json();
}

async function subscriberCount(channel: string): Promise<number> {
	const res = await openWorker(`${BASE}/api/channels/${channel}`);
	expect(res.status).toBe(200);
	return ((await res.json()) as { subscribers: number }).subscribers;
}

async function expectError(res: Response, status: number, code: string): Promise<void> {
	expect(res.status).toBe(status);
	expect(res.webSocket).toBeNull();
	const body = (await res.json()) as { error: { code: string; message: string } };
	expect(body.error.code).toBe(code);
	expect(body.error.message).toMatch(/\w+ \w+/);
}

const waitForMessages = (subscribers: Subscriber[], count: number) =>
	vi.waitFor(() => {
		for (const s of subscribers) expect(s.messages.length).toBeGreaterThanOrEqual(count);
	});

describe("fan-out", () => {
	it("delivers every message to every subscriber, in seq order", async () => {
		const channel = uniqueChannel("fanout");
		const subscribers = await Promise.all(Array.from({ length: 5 }, () => subscribe(channel)));
		expect(await subscriberCount(channel)).toBe(5);

		const before = Date.now();
		for (let i = 1; i <= 20; i++) {
			expect(await publishOk(channel, { n: i, text: `message ${i}` })).toEqual({ seq: i, delivered: 5 });
		}
		await waitForMessages(subscribers, 20);
		for (const s of subscribers) {
			expect(s.messages.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
			expect(s.messages.map((m) => m.payload)).toEqual(
				Array.from({ length: 20 }, (_, i) => ({ n: i + 1, text: `message ${i + 1}` })),
			);
			for (const m of s.messages) expect(m.publishedAt).toBeGreaterThanOrEqual(before);
		}
		for (const s of subscribers) s.socket.close(1000, "done");
	});

	it("keeps each subscriber: a second one does not replace the first (the talk's sketch did)", async () => {
		const channel = uniqueChannel("two");
		const first = await subscribe(channel);
		const second = await subscribe(channel);
		expect(await publishOk(channel, "hello")).toEqual({ seq: 1, delivered: 2 });
		await waitForMessages([first, second], 1);
		expect(first.messages[0]?.payload).toBe("hello");
		expect(second.messages[0]?.payload).toBe("hello");
		first.socket.close();
		second.socket.close();
	});

	it("accepts any JSON value as payload and counts zero deliveries without subscribers", async () => {
		const channel = uniqueChannel("values");
		for (const [i, payload] of [null, 42, "text", [1, "two"], { nested: { ok: true } }, false].entries()) {
			expect(await publishOk(channel, payload)).toEqual({ seq: i + 1, delivered: 0 });
		}
	});

	it("gives concurrent publishes distinct seqs, and every subscriber sees them in the same order", async () => {
		const channel = uniqueChannel("concurrent");
		const subscribers = await Promise.all([subscribe(channel), subscribe(channel)]);
		const results = await Promise.all(Array.from({ length: 20 }, (_, i) => publishOk(channel, i)));
		expect(results.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
			Array.from({ length: 20 }, (_, i) => i + 1),
		);
		await waitForMessages(subscribers, 20);
		const [first, second] = subscribers;
		expect(first?.messages.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
		expect(second?.messages).toEqual(first?.messages);
		for (const s of subscribers) s.socket.close();
	});

	it("keeps seq per channel", async () => {
		const a = uniqueChannel("seq-a");
		const b = uniqueChannel("seq-b");
		await publishOk(a, 1);
		await publishOk(a, 2);
		expect((await publishOk(b, 1)).seq).toBe(1);
		expect((await publishOk(a, 3)).seq).toBe(3);
	});

	it("drops closed sockets and never counts them as delivered", async () => {
		const channel = uniqueChannel("closed");
		const [stays, leaves, alsoStays] = await Promise.all([
			subscribe(channel),
			subscribe(channel),
			subscribe(channel),
		]);
		if (!stays || !leaves || !alsoStays) throw new Error("three subscribers expected");
		expect(await publishOk(channel, "before")).toEqual({ seq: 1, delivered: 3 });
		await waitForMessages([leaves], 1);

		leaves.socket.close(1000, "bye");
		await vi.waitFor(async () => expect(await subscriberCount(channel)).toBe(2));
		expect(await publishOk(channel, "after")).toEqual({ seq: 2, delivered: 2 });
		await waitForMessages([stays, alsoStays], 2);
		expect(leaves.messages.map((m) => m.payload)).toEqual(["before"]);
		stays.socket.close();
		alsoStays.socket.close();
		await vi.waitFor(async () => expect(await subscriberCount(channel)).toBe(0));
	});

	it("answers ping with pong, and explains that subscribers cannot publish", async () => {
		const channel = uniqueChannel("ping");
		const s = await subscribe(channel);
		s.socket.send("ping");
		await vi.waitFor(() => expect(s.other).toContain("pong"));
		s.socket.send("can I publish?");
		await vi.waitFor(() => expect(s.other.length).toBe(2));
		const reply = JSON.parse(s.other[1] ?? "{}") as { error: { code: string; firstSeq: number } };
		expect(reply.error.code).toBe("receive_only");
		expect(reply.error.firstSeq).toBe(1);
		expect(s.messages).toEqual([]);
		s.socket.close();
	});
});

describe("hibernation and eviction", () => {
	it("loses nothing for connected subscribers when the object is evicted, and seq continues", async () => {
		const channel = uniqueChannel("evict");
		const subscribers = await Promise.all(Array.from({ length: 3 }, () => subscribe(channel)));
		const stub = env.CHANNEL.getByName(channel);

		expect(await publishOk(channel, "one")).toEqual({ seq: 1, delivered: 3 });
		expect(await publishOk(channel, "two")).toEqual({ seq: 2, delivered: 3 });
		await waitForMessages(subscribers, 2);

		// Tear the instance down; its sockets hibernate instead of closing.
		await evictDurableObject(stub);
		expect(await subscriberCount(channel)).toBe(3);
		expect(await publishOk(channel, "three")).toEqual({ seq: 3, delivered: 3 });

		await evictDurableObject(stub);
		expect(await publishOk(channel, "four")).toEqual({ seq: 4, delivered: 3 });

		await waitForMessages(subscribers, 4);
		for (const s of subscribers) {
			expect(s.messages.map((m) => [m.seq, m.payload])).toEqual([
				[1, "one"],
				[2, "two"],
				[3, "three"],
				[4, "four"],
			]);
		}
		// The per-socket attachment survived eviction too.
		const [first] = subscribers;
		first?.socket.send("status?");
		await vi.waitFor(() => expect(first?.other.length).toBe(1));
		expect(JSON.parse(first?.other[0] ?? "{}").error.firstSeq).toBe(1);
		for (const s of subscribers) s.socket.close();
	});

	it("keeps seq across eviction even with nobody listening", async () => {
		const channel = uniqueChannel("evict-empty");
		await publishOk(channel, "a");
		await evictDurableObject(env.CHANNEL.getByName(channel));
		expect(await publishOk(channel, "b")).toEqual({ seq: 2, delivered: 0 });
	});
});

describe("request errors (open Worker)", () => {
	it("answers 426 JSON to a subscribe without a WebSocket upgrade", async () => {
		await expectError(await openWorker(`${BASE}/api/channels/plain/subscribe`), 426, "upgrade_required");
	});

	it("answers 405 with Allow for a wrong method, 404 for an unknown path", async () => {
		const put = await openWorker(`${BASE}/api/channels/x/subscribe`, { method: "POST" });
		await expectError(put, 405, "method_not_allowed");
		expect(put.headers.get("allow")).toBe("GET");
		const get = await openWorker(`${BASE}/api/channels/x/publish`);
		await expectError(get, 405, "method_not_allowed");
		expect(get.headers.get("allow")).toBe("POST");
		const del = await openWorker(`${BASE}/api/channels/x`, { method: "DELETE" });
		await expectError(del, 405, "method_not_allowed");
		await expectError(await openWorker(`${BASE}/api/channels/x/tickets`), 405, "method_not_allowed");
		await expectError(await openWorker(`${BASE}/api/channels/x/unsubscribe`), 404, "not_found");
		await expectError(await openWorker(`${BASE}/api/channels`), 404, "not_found");
	});

	it("answers 413 to a publish over 64 KiB, 400 to bad JSON or no body, and publishes nothing", async () => {
		const channel = uniqueChannel("limits");
		const s = await subscribe(channel);
		await expectError(await publish(channel, { big: "x".repeat(64 * 1024) }), 413, "payload_too_large");
		const broken = await openWorker(`${BASE}/api/channels/${channel}/publish`, {
			method: "POST",
			body: "{nope",
		});
		await expectError(broken, 400, "invalid_json");
		const empty = await openWorker(`${BASE}/api/channels/${channel}/publish`, { method: "POST" });
		await expectError(empty, 400, "invalid_body");
		// Just under the limit is fine.
		const fits = await publishOk(channel, "y".repeat(64 * 1024 - 2));
		expect(fits).toEqual({ seq: 1, delivered: 1 });
		await waitForMessages([s], 1);
		expect(s.messages.map((m) => m.seq)).toEqual([1]);
		s.socket.close();
	});

	it("answers 400 for a channel id outside the key pattern", async () => {
		await expectError(await openWorker(`${BASE}/api/channels/bad%20id`), 400, "invalid_id");
		await expectError(await publish("has.dot", 1), 400, "invalid_id");
		const sub = await openWorker(`${BASE}/api/channels/${"x".repeat(129)}/subscribe`, {
			headers: { Upgrade: "websocket" },
		});
		await expectError(sub, 400, "invalid_id");
	});

	it("answers 422 to a ticket request when the Worker has no BENCH_TOKEN (channels are open)", async () => {
		const res = await openWorker(`${BASE}/api/channels/open/tickets`, { method: "POST" });
		await expectError(res, 422, "tickets_disabled");
	});

	it("ignores a ticket when the Worker has no BENCH_TOKEN", async () => {
		const s = await subscribe(uniqueChannel("open"), "?ticket=whatever");
		s.socket.close();
	});
});

describe("tickets when BENCH_TOKEN is set", () => {
	const token = "channel-test-token";
	const app = createApp({ stores: storeRegistry, benchToken: () => token, channels: (e) => e.CHANNEL });
	const secured: Fetch = async (url, init) => app.request(url, init, env);
	const bearer = { authorization: `Bearer ${token}` };

	async function ticketFor(channel: string): Promise<{ ticket: string; expiresAt: number }> {
		const res = await secured(`${BASE}/api/channels/${channel}/tickets`, { method: "POST", headers: bearer });
		expect(res.status).toBe(200);
		return res.json();
	}

	it("issues a ticket only with the bearer token", async () => {
		const noToken = await secured(`${BASE}/api/channels/t/tickets`, { method: "POST" });
		await expectError(noToken, 401, "unauthorized");
		const before = Date.now();
		const { ticket, expiresAt } = await ticketFor("t");
		expect(ticket).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
		expect(expiresAt).toBeGreaterThanOrEqual(before + TICKET_TTL_MS);
		expect(expiresAt).toBeLessThanOrEqual(Date.now() + TICKET_TTL_MS);
	});

	it("lets a valid ticket subscribe and receive what a bearer-token holder publishes", async () => {
		const channel = uniqueChannel("ticketed");
		const { ticket } = await ticketFor(channel);
		const s = await subscribe(channel, `?ticket=${encodeURIComponent(ticket)}`, secured);
		const res = await secured(`${BASE}/api/channels/${channel}/publish`, {
			method: "POST",
			headers: bearer,
			body: JSON.stringify({ secret: "news" }),
		});
		expect(await res.json()).toEqual({ seq: 1, delivered: 1 });
		await waitForMessages([s], 1);
		expect(s.messages[0]?.payload).toEqual({ secret: "news" });
		s.socket.close();
	});

	const refuse = async (channel: string, query: string, code: string) =>
		expectError(
			await secured(`${BASE}/api/channels/${channel}/subscribe${query}`, {
				headers: { Upgrade: "websocket" },
			}),
			401,
			code,
		);

	it("refuses a missing ticket before the upgrade", async () => {
		await refuse("locked", "", "ticket_required");
		await refuse("locked", "?ticket=", "ticket_required");
	});

	it("refuses an expired ticket", async () => {
		const { ticket } = await issueChannelTicket(token, "locked", Date.now() - TICKET_TTL_MS - 1);
		await refuse("locked", `?ticket=${ticket}`, "ticket_expired");
	});

	it("refuses forged tickets", async () => {
		const other = await issueChannelTicket("some-other-secret", "locked");
		await refuse("locked", `?ticket=${other.ticket}`, "invalid_ticket");

		// Re-sign nothing, just rewrite the claims to another channel: the signature no longer matches.
		const { ticket } = await ticketFor("open-one");
		const [, signature] = ticket.split(".");
		const claims = btoa(JSON.stringify({ ch: "locked", exp: Date.now() + 60_000 })).replace(/=+$/, "");
		await refuse(
			"locked",
			`?ticket=${claims.replace(/\+/g, "-").replace(/\//g, "_")}.${signature}`,
			"invalid_ticket",
		);

		for (const junk of ["garbage", "a.b.c", "%%%.***", `${ticket}x`]) {
			await refuse("locked", `?ticket=${encodeURIComponent(junk)}`, "invalid_ticket");
		}
	});

	it("refuses a ticket issued for another channel", async () => {
		const { ticket } = await ticketFor("channel-a");
		await refuse("channel-b", `?ticket=${ticket}`, "ticket_wrong_channel");
	});

	it("checks auth before the upgrade header and before the body", async () => {
		const plain = await secured(`${BASE}/api/channels/locked/subscribe`);
		await expectError(plain, 401, "ticket_required");
		const big = await secured(`${BASE}/api/channels/locked/publish`, {
			method: "POST",
			body: JSON.stringify({ big: "x".repeat(70 * 1024) }),
		});
		await expectError(big, 401, "unauthorized");
		await expectError(await secured(`${BASE}/api/channels/locked`), 401, "unauthorized");
		const counted = await secured(`${BASE}/api/channels/locked`, { headers: bearer });
		expect(await counted.json()).toEqual({ subscribers: 0 });
	});
});
