import type { WranglerDev } from "../bench/target/wrangler-dev.ts";

// WebSocket subscribers for the channel tests over a real `wrangler dev`, connected with Node's
// global WebSocket exactly as a browser or a bench client would.

/** A channel message as subscribers receive it; the tests publish `{"n": …}` payloads. */
export interface Message {
	seq: number;
	publishedAt: number;
	payload: { n: number };
}

/** An open socket and every message it has received, in arrival order. */
export interface Subscriber {
	socket: WebSocket;
	messages: Message[];
}

/** The `ws://` URL of a path on the running Worker. */
export const wsUrl = (dev: WranglerDev, path: string) => `${dev.url.replace(/^http/, "ws")}${path}`;

/** Open a WebSocket and resolve once it is open (reject if the handshake fails). */
export function subscribe(url: string): Promise<Subscriber> {
	return new Promise((resolve, reject) => {
		const socket = new WebSocket(url);
		const subscriber: Subscriber = { socket, messages: [] };
		socket.addEventListener("message", (event) => subscriber.messages.push(JSON.parse(String(event.data))));
		socket.addEventListener("open", () => resolve(subscriber), { once: true });
		socket.addEventListener("error", () => reject(new Error(`WebSocket handshake to ${url} failed`)), {
			once: true,
		});
	});
}

/** Resolve once `check` holds, polling every 20 ms; reject with `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}
