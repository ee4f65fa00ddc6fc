import { LatencyHistogram } from "../load/latency-histogram.ts";
import { runLoad } from "../load/load-engine.ts";
import type { Scenario, ScenarioContext } from "./scenario.ts";

interface Subscriber {
	socket: WebSocket;
	seen: Set<number>;
	lastSeq: number;
	duplicates: number;
	outOfOrder: number;
}

const OPEN_TIMEOUT_MS = 5000;
const STRAGGLER_WAIT_MS = 2000;

/** Connect one subscriber; resolves once the socket is open. */
async function subscribe(context: ScenarioContext, channel: string, onMessage: (data: string) => void) {
	let query = "";
	if (context.client.token) {
		const answer = await context.client.call(
			"POST",
			`/api/channels/${channel}/tickets`,
			undefined,
			context.signal,
		);
		if (answer.status === 200)
			query = `?ticket=${encodeURIComponent((answer.body as { ticket: string }).ticket)}`;
		else if (answer.status !== 422)
			throw new Error(`POST /api/channels/${channel}/tickets answered ${answer.status}`);
	}
	const url = `${context.target.origin.replace(/^http/, "ws")}/api/channels/${channel}/subscribe${query}`;
	const socket = new WebSocket(url);
	await new Promise<void>((resolveOpen, reject) => {
		const timer = setTimeout(
			() => reject(new Error(`WebSocket ${url} did not open within ${OPEN_TIMEOUT_MS} ms`)),
			OPEN_TIMEOUT_MS,
		);
		socket.addEventListener("open", () => {
			clearTimeout(timer);
			resolveOpen();
		});
		socket.addEventListener("error", () => {
			clearTimeout(timer);
			reject(new Error(`WebSocket ${url.replace(/ticket=[^&]+/, "ticket=…")} failed to connect`));
		});
		context.signal.addEventListener(
			"abort",
			() => {
				clearTimeout(timer);
				socket.close();
				reject(new Error("aborted"));
			},
			{ once: true },
		);
	});
	socket.addEventListener("message", (event) => onMessage(String(event.data)));
	return socket;
}

/**
 * Pub/sub delivery over the Durable Object channel: S WebSocket subscribers, publishes at a constant
 * rate R; measures publish→receive latency, lost messages, out-of-order and duplicate deliveries.
 */
export const pubsubScenario: Scenario = {
	name: "pubsub",
	description: "WebSocket channel: publish→receive latency, loss, order and duplicates",
	async run(context, results) {
		const { subscribers: count, ratePerSecond, durationMs } = context.profile.pubsub;
		const channel = `${context.runPrefix}-pubsub`;
		const probe = await context.client.call("GET", `/api/channels/${channel}`, undefined, context.signal);
		if (probe.status === 404) {
			context.reportError({
				scenario: "pubsub",
				kind: "channels_not_available",
				message: `channels not available: GET /api/channels/${channel} answered 404`,
			});
			return;
		}
		context.progress.begin({
			scenario: "pubsub",
			store: null,
			detail: `${count} subs, ${ratePerSecond} msg/s`,
		});
		const sentAt: number[] = [];
		const latency = new LatencyHistogram();
		const subscribers: Subscriber[] = [];
		let delivered = 0;
		try {
			for (let i = 0; i < count && !context.signal.aborted; i++) {
				const subscriber: Subscriber = {
					socket: undefined as unknown as WebSocket,
					seen: new Set(),
					lastSeq: 0,
					duplicates: 0,
					outOfOrder: 0,
				};
				subscriber.socket = await subscribe(context, channel, (data) => {
					const receivedAt = performance.now();
					let message: { seq?: unknown; payload?: { n?: unknown } };
					try {
						message = JSON.parse(data);
					} catch {
						return;
					}
					if (typeof message.seq !== "number" || typeof message.payload?.n !== "number") return;
					if (subscriber.seen.has(message.seq)) {
						subscriber.duplicates++;
						return;
					}
					subscriber.seen.add(message.seq);
					if (message.seq < subscriber.lastSeq) subscriber.outOfOrder++;
					subscriber.lastSeq = Math.max(subscriber.lastSeq, message.seq);
					delivered++;
					const sent = sentAt[message.payload.n];
					if (sent !== undefined) latency.record((receivedAt - sent) * 1000);
				});
				subscribers.push(subscriber);
			}
			if (context.signal.aborted) return;
			const publish = await runLoad({
				origin: context.target.origin,
				request: (n) => {
					sentAt[n] = performance.now();
					return { method: "POST", path: `/api/channels/${channel}/publish`, body: `{"n":${n}}` };
				},
				// Enough connections that a slow publish does not hold back the next one.
				connections: Math.max(4, Math.ceil(ratePerSecond / 4)),
				ratePerSecond,
				durationMs,
				timeoutMs: context.profile.timeoutMs,
				headers: context.client.headers,
				onSecond: (p) => context.progress.tick({ requests: p.requests, errors: p.errors, rps: p.requests }),
				signal: context.signal,
			});
			context.reportGenerator(publish.generator);
			// An interrupted run has no meaningful delivery figures (messages still in flight would count as lost).
			if (publish.aborted) return;
			const expected = publish.ok * count;
			const deadline = performance.now() + STRAGGLER_WAIT_MS;
			while (delivered < expected && performance.now() < deadline && !context.signal.aborted) {
				await new Promise((r) => setTimeout(r, 20));
			}
			const p = latency.percentiles();
			results.pubsub = {
				subscribers: count,
				messages: publish.ok,
				publishRate: ratePerSecond,
				delivered,
				lost: Math.max(0, expected - delivered),
				duplicates: subscribers.reduce((sum, s) => sum + s.duplicates, 0),
				outOfOrder: subscribers.reduce((sum, s) => sum + s.outOfOrder, 0),
				latencyUs: { p50: p.p50, p90: p.p90, p99: p.p99, p999: p.p999, max: p.max, mean: p.mean },
				histogram: latency.encode(),
			};
			if (publish.errors > 0) {
				context.reportError({
					scenario: "pubsub",
					kind: "publish_failed",
					message: `${publish.errors} of ${publish.requests} publishes failed: ${publish.errorSamples[0] ?? ""}`,
				});
			}
			context.progress.end(
				`${publish.ok} published  ${delivered}/${expected} delivered  p50 ${(p.p50 / 1000).toFixed(2)} ms  p99 ${(p.p99 / 1000).toFixed(2)} ms`,
			);
		} catch (error) {
			if (!context.signal.aborted) {
				context.reportError({
					scenario: "pubsub",
					kind: "pubsub_failed",
					message: error instanceof Error ? error.message : String(error),
				});
			}
			context.progress.end("failed");
		} finally {
			for (const s of subscribers) s.socket.close();
		}
	},
};
