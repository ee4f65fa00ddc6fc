import { afterAll, beforeAll, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../../bench/target/wrangler-dev.ts";
import { type Subscriber, subscribe, until, wsUrl } from "../channel-subscribers.ts";

// Load on one channel: 500 WebSocket subscribers on one local Durable Object,
// 200 messages from 4 concurrent publishers. Every subscriber must receive
// every message exactly once, in `seq` order, and every publish must report
// all 500 sockets as delivered. The figures go to docs/reliability.md.

const SUBSCRIBERS = 500;
const MESSAGES = 200;
const PUBLISHERS = 4;

let dev: WranglerDev;
beforeAll(async () => {
	dev = await startWranglerDev();
});
afterAll(async () => {
	await dev?.stop();
});

it(`delivers ${MESSAGES} messages to each of ${SUBSCRIBERS} subscribers: none lost, duplicated or reordered`, async () => {
	const channel = "load-fanout";
	const started = performance.now();
	const subscribers: Subscriber[] = [];
	// Connect in batches of 50, as a crowd of browsers would arrive, not 500 handshakes in one tick.
	for (let i = 0; i < SUBSCRIBERS; i += 50) {
		subscribers.push(
			...(await Promise.all(
				Array.from({ length: 50 }, () => subscribe(wsUrl(dev, `/api/channels/${channel}/subscribe`))),
			)),
		);
	}
	const connectedS = (performance.now() - started) / 1000;
	expect(await (await fetch(`${dev.url}/api/channels/${channel}`)).json()).toEqual({
		subscribers: SUBSCRIBERS,
	});

	const publishStarted = performance.now();
	const answers: { seq: number; delivered: number }[] = [];
	let next = 1;
	await Promise.all(
		Array.from({ length: PUBLISHERS }, async () => {
			while (next <= MESSAGES) {
				const n = next++;
				const res = await fetch(`${dev.url}/api/channels/${channel}/publish`, {
					method: "POST",
					headers: { "content-type": "application/json" },
					body: JSON.stringify({ n }),
				});
				expect(res.status).toBe(200);
				answers.push((await res.json()) as { seq: number; delivered: number });
			}
		}),
	);
	await until(
		() => subscribers.every((s) => s.messages.length >= MESSAGES),
		`${MESSAGES} messages on every socket`,
		60_000,
	);
	const deliveredS = (performance.now() - publishStarted) / 1000;
	// Give duplicates a chance to arrive before counting.
	await new Promise((r) => setTimeout(r, 500));

	// Each publish got its own seq 1..200 and reached every socket.
	expect(answers.map((a) => a.seq).sort((a, b) => a - b)).toEqual(
		Array.from({ length: MESSAGES }, (_, i) => i + 1),
	);
	expect(answers.every((a) => a.delivered === SUBSCRIBERS)).toBe(true);
	// Every subscriber saw the same 200 messages, in seq order, once each.
	const seqs = Array.from({ length: MESSAGES }, (_, i) => i + 1);
	const order = subscribers[0]?.messages.map((m) => m.payload.n) ?? [];
	expect([...order].sort((a, b) => a - b)).toEqual(seqs);
	let lost = 0;
	let duplicated = 0;
	let reordered = 0;
	for (const { messages } of subscribers) {
		const seen = messages.map((m) => m.seq);
		lost += MESSAGES - new Set(seen).size;
		duplicated += seen.length - new Set(seen).size;
		reordered += seen.filter((seq, i) => i > 0 && seq <= (seen[i - 1] ?? 0)).length;
		// The payload with each seq is the same for everyone (one order for the channel).
		expect(messages.map((m) => m.payload.n)).toEqual(order);
	}
	console.log(
		`channel fan-out: ${SUBSCRIBERS} subscribers connected in ${connectedS.toFixed(1)} s; ` +
			`${MESSAGES} messages (${PUBLISHERS} publishers) → ${SUBSCRIBERS * MESSAGES} deliveries in ${deliveredS.toFixed(1)} s; ` +
			`lost ${lost}, duplicated ${duplicated}, reordered ${reordered}`,
	);
	expect({ lost, duplicated, reordered }).toEqual({ lost: 0, duplicated: 0, reordered: 0 });

	for (const { socket } of subscribers) socket.close(1000, "done");
	await until(
		() => subscribers.every((s) => s.socket.readyState === WebSocket.CLOSED),
		"sockets to close",
		30_000,
	);
}, 180_000);
