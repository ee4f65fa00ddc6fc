// VisibilityProbe: a Durable Object that we *place* somewhere in the world and
// ask "when do you see this value?"
//
// Why a Durable Object
// --------------------
// A plain Worker runs wherever the request happens to land: the data center
// closest to whoever called it. To watch a write travel (KV propagating from
// the data center that wrote it, or the Cache API never leaving it) we need
// readers that sit in *other* places, on purpose. Durable Objects are the one
// compute primitive we can place: `namespace.getByName(name, { locationHint })`
// asks Cloudflare to create the object near a region ("wnam" = western North
// America, "weur" = western Europe, "apac" = Asia-Pacific, …). The hint only
// matters the first time an object is created; afterwards it stays where it
// was born, which is exactly what we want from a fixed observation post.
// So there is one probe per region, named after it (`visibility-weur`).
//
// What one probe does
// -------------------
// It builds the store from the *same* registry the routes use and reads the
// counter over and over until it answers the expected value, or until the
// deadline. Each read is a real store read made from the probe's location:
// a KV `get` served by that location's cache, a Cache API `match` against
// that data center's cache, a D1 query routed to the primary, and so on.
// The probe keeps nothing in storage: it is a vantage point, not a database.
//
// Time is measured from `startedAt`, the moment the route received the
// request (epoch milliseconds from the route's clock). The probe's clock is a
// different machine's, so a few milliseconds of skew are possible; that is
// far below the delays worth measuring here (KV propagation takes seconds).
// Inside Workers, `Date.now()` only advances across I/O, which is fine: every
// poll is I/O.
//
// Where the probe is
// ------------------
// A Worker cannot ask "which data center am I in?" directly, but any request
// it sends to Cloudflare's trace endpoint is answered with the colo that sent
// it. Locally (wrangler dev) there is one process and no internet, so the
// probe answers colo "local" without asking.

import { DurableObject } from "cloudflare:workers";
import { storeRegistry } from "../stores/registry.ts";
import type { StoreName } from "../stores/state-store.ts";

/** What the route asks one probe to do. */
export interface VisibilityWatch {
	store: StoreName;
	key: string;
	value: number;
	/** Epoch milliseconds at which the route received the request; times are measured from it. */
	startedAt: number;
	timeoutMs: number;
	/** True in local dev: skip the colo look-up (no internet, one location). */
	local: boolean;
}

/** What one probe saw. */
export interface VisibilityObservation {
	/** The colo (IATA code) the probe runs in, "local" in wrangler dev, null if the look-up failed. */
	colo: string | null;
	/** Milliseconds from `startedAt` until a read returned the value; null when it never did before the deadline. */
	ms: number | null;
	/** Store reads the probe made. */
	polls: number;
	/** The last value read (null = absent), useful when the value never showed up. */
	lastSeen: number | null;
}

/** Pause between two reads, so a probe does not hammer the store (and its per-key limits). */
const POLL_INTERVAL_MS = 25;
const TRACE_URL = "https://www.cloudflare.com/cdn-cgi/trace";

export class VisibilityProbe extends DurableObject<Env> {
	/** Found once per instance: an object never moves while it is in memory. */
	#colo: Promise<string | null> | undefined;

	/** Poll the store until it answers `value` or the deadline passes (called over RPC by the route). */
	async watch(request: VisibilityWatch): Promise<VisibilityObservation> {
		const colo = request.local ? Promise.resolve("local") : this.colo();
		const store = storeRegistry[request.store](this.env, { bookmark: null });
		const deadline = request.startedAt + request.timeoutMs;
		let polls = 0;
		let lastSeen: number | null = null;
		while (true) {
			lastSeen = await store.getCounter(request.key);
			polls++;
			const now = Date.now();
			if (lastSeen === request.value) {
				return { colo: await colo, ms: Math.max(0, now - request.startedAt), polls, lastSeen };
			}
			if (now + POLL_INTERVAL_MS > deadline) return { colo: await colo, ms: null, polls, lastSeen };
			await scheduler.wait(POLL_INTERVAL_MS);
		}
	}

	colo(): Promise<string | null> {
		this.#colo ??= fetch(TRACE_URL)
			.then(async (response) => /^colo=(\w+)$/m.exec(await response.text())?.[1] ?? null)
			.catch(() => null);
		return this.#colo;
	}
}
