import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../bench/target/wrangler-dev.ts";
import { subscribe, until, wsUrl } from "./channel-subscribers.ts";

// Realtime channels over a real `wrangler dev`, with real WebSocket clients
// (Node's global WebSocket), exactly as a browser or a bench client would
// connect: fan-out to many subscribers, and the ticket flow when the Worker
// has a BENCH_TOKEN.

/**
 * A raw WebSocket handshake with node:http, to see what the Worker answers
 * *before* any upgrade (a browser's WebSocket hides the status and body).
 */
function handshake(url: string): Promise<{ status: number; body: string }> {
	return new Promise((resolve, reject) => {
		const req = request(url, {
			headers: {
				Connection: "Upgrade",
				Upgrade: "websocket",
				"Sec-WebSocket-Version": "13",
				"Sec-WebSocket-Key": randomBytes(16).toString("base64"),
			},
		});
		req.on("upgrade", (res, socket) => {
			socket.destroy();
			resolve({ status: res.statusCode ?? 0, body: "" });
		});
		req.on("response", (res) => {
			let body = "";
			res.setEncoding("utf8");
			res.on("data", (chunk) => {
				body += chunk;
			});
			res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
		});
		req.on("error", reject);
		req.end();
	});
}

describe("fan-out over wrangler dev", () => {
	let dev: WranglerDev;
	beforeAll(async () => {
		dev = await startWranglerDev();
	});
	afterAll(async () => {
		await dev?.stop();
	});

	it("delivers 100 messages to each of 100 subscribers: all of them, in order, none twice", async () => {
		const channel = "e2e-fanout";
		const subscribers = await Promise.all(
			Array.from({ length: 100 }, () => subscribe(wsUrl(dev, `/api/channels/${channel}/subscribe`))),
		);
		const count = await fetch(`${dev.url}/api/channels/${channel}`);
		expect(await count.json()).toEqual({ subscribers: 100 });

		for (let n = 1; n <= 100; n++) {
			const res = await fetch(`${dev.url}/api/channels/${channel}/publish`, {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ n }),
			});
			expect(await res.json()).toEqual({ seq: n, delivered: 100 });
		}

		await until(() => subscribers.every((s) => s.messages.length >= 100), "100 messages on every socket");
		// Give duplicates a chance to show up before counting.
		await new Promise((r) => setTimeout(r, 300));
		const expected = Array.from({ length: 100 }, (_, i) => i + 1);
		for (const s of subscribers) {
			expect(s.messages.map((m) => m.seq)).toEqual(expected);
			expect(s.messages.map((m) => m.payload.n)).toEqual(expected);
		}
		const publishedAt = subscribers[0]?.messages.map((m) => m.publishedAt) ?? [];
		expect(publishedAt).toEqual([...publishedAt].sort((a, b) => a - b));

		for (const s of subscribers) s.socket.close(1000, "done");
		await until(() => subscribers.every((s) => s.socket.readyState === WebSocket.CLOSED), "sockets to close");
		const after = await fetch(`${dev.url}/api/channels/${channel}`);
		expect(await after.json()).toEqual({ subscribers: 0 });
	});
});

describe("tickets over wrangler dev with BENCH_TOKEN", () => {
	const token = randomBytes(16).toString("hex");
	const bearer = { authorization: `Bearer ${token}` };
	let dev: WranglerDev;
	beforeAll(async () => {
		dev = await startWranglerDev({ vars: { BENCH_TOKEN: token } });
	});
	afterAll(async () => {
		await dev?.stop();
	});

	const ticketFor = async (channel: string) => {
		const res = await fetch(`${dev.url}/api/channels/${channel}/tickets`, {
			method: "POST",
			headers: bearer,
		});
		expect(res.status).toBe(200);
		return ((await res.json()) as { ticket: string; expiresAt: number }).ticket;
	};

	it("answers 401 JSON before the upgrade for a missing, forged or other-channel ticket", async () => {
		const channel = "e2e-locked";
		const subscribeUrl = `${dev.url}/api/channels/${channel}/subscribe`;
		const otherChannelTicket = await ticketFor("e2e-other");
		const genuine = await ticketFor(channel);
		const forged = `${genuine.split(".")[0]}.${"A".repeat(43)}`;
		for (const [query, code] of [
			["", "ticket_required"],
			[`?ticket=${forged}`, "invalid_ticket"],
			[`?ticket=${otherChannelTicket}`, "ticket_wrong_channel"],
		] as const) {
			const answer = await handshake(`${subscribeUrl}${query}`);
			expect(answer.status).toBe(401);
			expect(JSON.parse(answer.body).error.code).toBe(code);
		}
		// A real WebSocket client simply fails to connect.
		await expect(
			subscribe(wsUrl(dev, `/api/channels/${channel}/subscribe?ticket=${forged}`)),
		).rejects.toThrow(/handshake/);
		expect((await handshake(`${subscribeUrl}?ticket=${genuine}`)).status).toBe(101);
	});

	it("lets a subscriber with a good ticket receive what the token holder publishes", async () => {
		const channel = "e2e-ticketed";
		const ticket = await ticketFor(channel);
		const s = await subscribe(wsUrl(dev, `/api/channels/${channel}/subscribe?ticket=${ticket}`));

		const unauthorized = await fetch(`${dev.url}/api/channels/${channel}/publish`, {
			method: "POST",
			body: JSON.stringify({ n: 0 }),
		});
		expect(unauthorized.status).toBe(401);
		const res = await fetch(`${dev.url}/api/channels/${channel}/publish`, {
			method: "POST",
			headers: { ...bearer, "content-type": "application/json" },
			body: JSON.stringify({ n: 1 }),
		});
		expect(await res.json()).toEqual({ seq: 1, delivered: 1 });
		await until(() => s.messages.length === 1, "the published message");
		expect(s.messages[0]?.payload).toEqual({ n: 1 });
		s.socket.close();
	});
});
