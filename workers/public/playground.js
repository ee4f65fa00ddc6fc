// The playground page: plain DOM code, no framework and no build step, so it
// can be read top to bottom. Everything it knows about the stores comes from
// `GET /api/stores`; the texts below only add a friendly sentence per store.

const BURST_SIZE = 50;

/** One or two sentences per store, and the workshop chapter that explains it. */
const STORE_GUIDE = {
	cache: {
		about:
			"The Cache API keeps responses in the data center that ran the request and never replicates them. It has no atomic update, so a counter is a read-then-write that loses increments under contention.",
		chapter: "docs/workshop/en/01-cache-api.md",
	},
	kv: {
		about:
			"Workers KV is a global key-value store built for reads: the last write wins and changes reach other locations within about 60 seconds. It has no atomic increment, and session TTLs must be at least 60 seconds.",
		chapter: "docs/workshop/en/02-kv.md",
	},
	do: {
		about:
			"A Durable Object is one single-threaded instance per id with its own SQLite storage. An increment that runs inside the object is atomic; one that reads and then writes from the Worker is not.",
		chapter: "docs/workshop/en/03-durable-objects.md",
	},
	d1: {
		about:
			"D1 is SQLite with one primary. A single INSERT … ON CONFLICT DO UPDATE … RETURNING is atomic; SELECT then UPDATE from the Worker loses updates.",
		chapter: "docs/workshop/en/04-d1.md",
	},
	r2: {
		about:
			"R2 is object storage with strong read-after-write consistency and conditional writes. Atomic increments are an etag compare-and-swap loop that retries when another writer got there first; the attempts show how often.",
		chapter: "docs/workshop/en/05-r2.md",
	},
};

/** A non-2xx answer from the API, carrying the documented `{"error": {"code", "message"}}` body. */
class ApiFailure extends Error {
	constructor(status, body) {
		const error = body?.error ?? {};
		super(error.message ?? `the API answered HTTP ${status}`);
		this.status = status;
		this.code = error.code ?? `http_${status}`;
		this.details = error;
	}
}

async function api(method, path, body) {
	const init = { method, headers: { accept: "application/json" } };
	if (body !== undefined) {
		init.headers["content-type"] = "application/json";
		init.body = JSON.stringify(body);
	}
	const response = await fetch(path, init);
	const text = await response.text();
	let json = null;
	try {
		json = text ? JSON.parse(text) : null;
	} catch {
		// not JSON: keep null, the status tells the story
	}
	if (response.status === 401) showAuthBanner();
	if (!response.ok) throw new ApiFailure(response.status, json);
	return json;
}

function describeFailure(error) {
	if (error instanceof ApiFailure) return `${error.status} ${error.code}: ${error.message}`;
	return `request failed: ${error.message}`;
}

function showAuthBanner() {
	const banner = document.getElementById("auth-banner");
	if (!banner.hidden) return;
	const code = (text) => Object.assign(document.createElement("code"), { textContent: text });
	banner.append(
		"This Worker answered 401: it has a BENCH_TOKEN secret, so its API needs a bearer token. ",
		"The playground is meant for local development, where routes are open: run ",
		code("npm run dev"),
		" and open ",
		code("http://localhost:8787/"),
		".",
	);
	banner.hidden = false;
}

const byId = (id) => document.getElementById(id);
const slot = (root, name) => root.querySelector(`[data-slot="${name}"]`);
const formatTime = (ms) => new Date(ms).toLocaleTimeString(undefined, { hour12: false });

// ---------------------------------------------------------------- counters

function renderCounterCard(traits) {
	const card = byId("counter-card-template").content.firstElementChild.cloneNode(true);
	const guide = STORE_GUIDE[traits.name];
	card.dataset.store = traits.name;
	card.setAttribute("aria-labelledby", `counter-title-${traits.name}`);
	slot(card, "title").id = `counter-title-${traits.name}`;
	slot(card, "title").textContent = traits.title;
	slot(card, "consistency").textContent = traits.consistency;
	slot(card, "about").textContent = guide?.about ?? "";
	slot(card, "about").hidden = !guide;
	if (guide) slot(card, "chapter").textContent = guide.chapter;
	else slot(card, "chapter-line").hidden = true;

	const caveats = traits.localDevCaveats ?? [];
	slot(card, "caveats-box").hidden = caveats.length === 0;
	for (const caveat of caveats) {
		const item = document.createElement("li");
		item.textContent = caveat;
		slot(card, "caveats").append(item);
	}

	const keyInput = slot(card, "key");
	keyInput.id = `counter-key-${traits.name}`;
	keyInput.value = "playground";

	const atomicButton = card.querySelector('[data-action="burst-atomic"]');
	if (!traits.atomicIncrement.supported) {
		const reason = slot(card, "atomic-reason");
		reason.id = `atomic-reason-${traits.name}`;
		reason.textContent = `Atomic mode is unavailable: ${traits.atomicIncrement.technique}.`;
		reason.hidden = false;
		atomicButton.disabled = true;
		atomicButton.setAttribute("aria-describedby", reason.id);
	}

	const run = (task) => async () => {
		if (!keyInput.reportValidity()) return;
		const buttons = card.querySelectorAll("button");
		const wasDisabled = [...buttons].map((button) => button.disabled);
		for (const button of buttons) button.disabled = true;
		card.setAttribute("aria-busy", "true");
		try {
			await task(card, traits, keyInput.value);
		} catch (error) {
			slot(card, "status").textContent = describeFailure(error);
		} finally {
			buttons.forEach((button, index) => {
				button.disabled = wasDisabled[index];
			});
			card.removeAttribute("aria-busy");
		}
	};
	card.querySelector('[data-action="read"]').addEventListener("click", run(readCounter));
	card.querySelector('[data-action="increment"]').addEventListener("click", run(incrementOnce));
	card.querySelector('[data-action="burst-naive"]').addEventListener("click", run(burst("naive")));
	atomicButton.addEventListener("click", run(burst("atomic")));
	return card;
}

const counterPath = (store, key) => `/api/${store}/counters/${encodeURIComponent(key)}`;

async function readCounter(card, traits, key) {
	const { value } = await api("GET", counterPath(traits.name, key));
	slot(card, "value").textContent = value === null ? "absent" : String(value);
	slot(card, "status").textContent = `Read ${value === null ? "nothing (the key is absent)" : value}.`;
	return value ?? 0;
}

async function incrementOnce(card, traits, key) {
	const result = await api("POST", `${counterPath(traits.name, key)}/increment`);
	slot(card, "value").textContent = String(result.value);
	slot(card, "status").textContent =
		`Incremented to ${result.value} in ${result.attempts} attempt${result.attempts === 1 ? "" : "s"}.`;
}

function burst(mode) {
	return async (card, traits, key) => {
		const cells = Object.fromEntries(
			["before", "succeeded", "expected", "final", "lost", "attempts"].map((name) => [
				name,
				slot(card, name),
			]),
		);
		const table = slot(card, "burst");
		const progress = slot(card, "progress");
		const status = slot(card, "status");
		table.hidden = false;
		table.dataset.mode = mode;
		delete table.dataset.done;
		slot(card, "burst-caption").textContent = `Burst of ${BURST_SIZE} ${mode} increments on “${key}”`;
		for (const cell of Object.values(cells)) cell.textContent = "…";
		status.textContent = `Reading the counter, then sending ${BURST_SIZE} ${mode} increments…`;

		const before = await readCounter(card, traits, key);
		cells.before.textContent = String(before);
		progress.value = 0;
		progress.hidden = false;

		let succeeded = 0;
		let failed = 0;
		let attempts = 0;
		const failures = new Map();
		const path = `${counterPath(traits.name, key)}/increment?mode=${mode}`;
		await Promise.all(
			Array.from({ length: BURST_SIZE }, async () => {
				try {
					const result = await api("POST", path);
					succeeded += 1;
					attempts += result.attempts;
				} catch (error) {
					failed += 1;
					// An exhausted R2 compare-and-swap loop still reports the attempts it used.
					if (typeof error.details?.attempts === "number") attempts += error.details.attempts;
					const reason = describeFailure(error);
					failures.set(reason, (failures.get(reason) ?? 0) + 1);
				} finally {
					progress.value = succeeded + failed;
					cells.succeeded.textContent = `${succeeded} of ${succeeded + failed} answered`;
					cells.attempts.textContent = String(attempts);
				}
			}),
		);
		progress.hidden = true;

		const final = await readCounter(card, traits, key);
		const expected = before + succeeded;
		const lost = expected - final;
		cells.succeeded.textContent = `${succeeded} of ${BURST_SIZE}`;
		cells.expected.textContent = String(expected);
		cells.final.textContent = String(final);
		cells.lost.textContent = String(lost);
		cells.lost.classList.toggle("bad", lost !== 0);
		cells.attempts.textContent =
			attempts > succeeded + failed
				? `${attempts} (${attempts - succeeded - failed} retries)`
				: String(attempts);
		table.dataset.done = "true";

		const failureText = [...failures].map(([reason, count]) => ` ${count} failed with ${reason}.`).join("");
		status.textContent =
			`${mode === "atomic" ? "Atomic" : "Naive"} burst done: expected ${expected}, final ${final}, ` +
			`${lost === 0 ? "no updates lost" : `${lost} lost update${lost === 1 ? "" : "s"}`}.${failureText}`;
	};
}

// ---------------------------------------------------------------- sessions

const session = { store: null, id: null, expiresAt: 0, ended: false, ticker: 0, poller: 0 };

function setupSessions(stores) {
	const select = byId("session-store");
	const ttl = byId("session-ttl");
	for (const traits of stores) select.add(new Option(traits.title, traits.name));
	const applyRule = () => {
		const traits = stores.find((store) => store.name === select.value);
		if (!traits) return;
		const { minSeconds, maxSeconds, mechanism } = traits.ttl;
		ttl.min = String(minSeconds);
		ttl.max = String(maxSeconds);
		ttl.value = String(Math.max(minSeconds, 10));
		byId("session-patch-ttl").min = String(minSeconds);
		byId("session-patch-ttl").max = String(maxSeconds);
		const floor =
			minSeconds > 1
				? ` ${traits.title} refuses TTLs shorter than ${minSeconds} s — the API answers 422 rather than silently stretching it, so expect to wait at least ${minSeconds} s.`
				: "";
		byId("session-ttl-rule").textContent =
			`${traits.title}: TTL from ${minSeconds} to ${maxSeconds} s; expiry by ${mechanism}.${floor}`;
	};
	select.addEventListener("change", applyRule);
	applyRule();

	byId("session-create").addEventListener("submit", async (event) => {
		event.preventDefault();
		const data = parseJsonObject(byId("session-data").value);
		if (!data) return;
		const store = select.value;
		try {
			const created = await api("POST", `/api/${store}/sessions`, { data, ttlSeconds: Number(ttl.value) });
			showSession(store, { ...created, data });
			setSessionStatus(`Created session ${created.id} in ${select.selectedOptions[0].text}.`);
		} catch (error) {
			setSessionStatus(describeFailure(error));
		}
	});

	byId("session-patch").addEventListener("submit", async (event) => {
		event.preventDefault();
		const patch = {};
		const dataText = byId("session-patch-data").value.trim();
		if (dataText) {
			const data = parseJsonObject(dataText);
			if (!data) return;
			patch.data = data;
		}
		const ttlText = byId("session-patch-ttl").value;
		if (ttlText) patch.ttlSeconds = Number(ttlText);
		try {
			const updated = await api("PATCH", sessionPath(), patch);
			showSession(session.store, updated);
			setSessionStatus(
				`Patched: ${patch.ttlSeconds ? "expiry restarted, " : ""}data is now ${JSON.stringify(updated.data)}.`,
			);
		} catch (error) {
			if (error instanceof ApiFailure && error.status === 404)
				endSession("expired", "The session had already expired.");
			else setSessionStatus(describeFailure(error));
		}
	});

	byId("session-delete").addEventListener("click", async () => {
		try {
			await api("DELETE", sessionPath());
			endSession("deleted", "Deleted; reading it back now answers 404.");
		} catch (error) {
			setSessionStatus(describeFailure(error));
		}
	});
}

const sessionPath = () => `/api/${session.store}/sessions/${encodeURIComponent(session.id)}`;
const setSessionStatus = (text) => {
	byId("session-status").textContent = text;
};

function parseJsonObject(text) {
	try {
		const value = JSON.parse(text);
		if (value && typeof value === "object" && !Array.isArray(value)) return value;
	} catch {
		// reported below
	}
	setSessionStatus('Data must be a JSON object, for example {"user": "ada"}.');
	return null;
}

function showSession(store, record) {
	clearInterval(session.ticker);
	clearTimeout(session.poller);
	Object.assign(session, { store, id: record.id, expiresAt: record.expiresAt, ended: false });
	byId("session-view").hidden = false;
	byId("session-view-store").textContent = byId("session-store").querySelector(
		`option[value="${store}"]`,
	).text;
	byId("session-view-id").textContent = record.id;
	byId("session-view-data").textContent = JSON.stringify(record.data);
	byId("session-view-expires").textContent = `${formatTime(record.expiresAt)} (${record.expiresAt})`;
	byId("session-patch-data").value = JSON.stringify(record.data);
	for (const control of byId("session-patch").elements) control.disabled = false;
	setSessionState("live");
	tick();
	session.ticker = setInterval(tick, 250);
	schedulePoll();
}

function tick() {
	const left = Math.ceil((session.expiresAt - Date.now()) / 1000);
	byId("session-countdown").textContent =
		left > 0 ? `${left} s` : `expiresAt passed ${-left} s ago; waiting for the store to drop it`;
}

/** Read the session back every couple of seconds (every second once past expiresAt) until it answers 404. */
function schedulePoll() {
	const delay = session.expiresAt - Date.now() > 3000 ? 2000 : 1000;
	session.poller = setTimeout(async () => {
		const id = session.id;
		try {
			const record = await api("GET", sessionPath());
			if (id !== session.id || session.ended) return;
			byId("session-view-data").textContent = JSON.stringify(record.data);
			schedulePoll();
		} catch (error) {
			if (id !== session.id || session.ended) return;
			if (error instanceof ApiFailure && error.status === 404) {
				const late = Math.round((Date.now() - session.expiresAt) / 100) / 10;
				endSession(
					"expired",
					`Expired: GET now answers 404 (${late >= 0 ? `${late} s after` : `${-late} s before`} expiresAt).`,
				);
			} else {
				setSessionStatus(describeFailure(error));
				schedulePoll();
			}
		}
	}, delay);
}

function endSession(state, message) {
	session.ended = true;
	clearInterval(session.ticker);
	clearTimeout(session.poller);
	byId("session-countdown").textContent = "—";
	for (const control of byId("session-patch").elements) control.disabled = true;
	setSessionState(state);
	setSessionStatus(message);
}

function setSessionState(state) {
	const badge = byId("session-state");
	badge.textContent = state;
	badge.dataset.state = state;
}

// ---------------------------------------------------------------- realtime channel

const channel = { id: null, socket: null, opened: false, poller: 0 };

function setupChannel() {
	byId("channel-from").value = `guest-${Math.floor(100 + Math.random() * 900)}`;
	byId("channel-join").addEventListener("submit", (event) => {
		event.preventDefault();
		joinChannel(byId("channel-id").value);
	});
	byId("channel-leave").addEventListener("click", () => leaveChannel("left"));
	byId("channel-send").addEventListener("submit", async (event) => {
		event.preventDefault();
		const input = byId("channel-text");
		const text = input.value.trim();
		if (!text || !channel.id) return;
		try {
			const result = await api("POST", `/api/channels/${encodeURIComponent(channel.id)}/publish`, {
				text,
				from: byId("channel-from").value,
			});
			input.value = "";
			setChannelStatus(
				`Published as #${result.seq}, delivered to ${result.delivered} open socket${result.delivered === 1 ? "" : "s"}.`,
			);
		} catch (error) {
			setChannelStatus(describeFailure(error));
		}
		input.focus();
	});
}

function joinChannel(id) {
	if (channel.socket) leaveChannel("switching");
	const scheme = location.protocol === "https:" ? "wss" : "ws";
	const socket = new WebSocket(
		`${scheme}://${location.host}/api/channels/${encodeURIComponent(id)}/subscribe`,
	);
	Object.assign(channel, { id, socket, opened: false });
	setChannelState("connecting…");
	socket.addEventListener("open", () => {
		channel.opened = true;
		setChannelState(`joined “${id}”`, "joined");
		setJoined(true);
		setChannelStatus(`Joined channel ${id}. Open this page in another tab and join it there too.`);
		refreshSubscribers();
	});
	socket.addEventListener("message", (event) => {
		appendMessage(event.data);
		refreshSubscribers();
	});
	socket.addEventListener("close", (event) => {
		if (channel.socket !== socket) return;
		const wasOpen = channel.opened;
		leaveChannel("disconnected");
		if (wasOpen)
			setChannelStatus(
				`The connection closed (code ${event.code}${event.reason ? `: ${event.reason}` : ""}).`,
			);
		else explainFailedJoin(id);
	});
}

/** A refused WebSocket upgrade hides its HTTP status from the browser, so ask the channel route why. */
async function explainFailedJoin(id) {
	try {
		await api("GET", `/api/channels/${encodeURIComponent(id)}`);
		setChannelStatus(
			"Could not open the WebSocket; the channel route answers, so check the console for details.",
		);
	} catch (error) {
		setChannelStatus(`Could not join: ${describeFailure(error)}`);
	}
}

function leaveChannel(state) {
	clearTimeout(channel.poller);
	const socket = channel.socket;
	Object.assign(channel, { socket: null, opened: false });
	if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, "left the playground");
	setChannelState(state === "switching" ? "connecting…" : state);
	setJoined(false);
	byId("channel-subscribers").textContent = "";
}

function setJoined(joined) {
	byId("channel-leave").disabled = !joined;
	byId("channel-text").disabled = !joined;
	byId("channel-send-button").disabled = !joined;
}

async function refreshSubscribers() {
	clearTimeout(channel.poller);
	const id = channel.id;
	try {
		const { subscribers } = await api("GET", `/api/channels/${encodeURIComponent(id)}`);
		if (channel.opened && id === channel.id) {
			byId("channel-subscribers").textContent =
				`${subscribers} subscriber${subscribers === 1 ? "" : "s"} connected`;
		}
	} catch (error) {
		setChannelStatus(describeFailure(error));
	}
	if (channel.opened && id === channel.id) channel.poller = setTimeout(refreshSubscribers, 5000);
}

function appendMessage(raw) {
	let message;
	try {
		message = JSON.parse(raw);
	} catch {
		message = { payload: raw };
	}
	const payload = message.payload;
	const item = document.createElement("li");
	const meta = document.createElement("span");
	meta.className = "meta";
	const seq = message.seq === undefined ? "" : `#${message.seq} `;
	meta.textContent = `${seq}${message.publishedAt ? formatTime(message.publishedAt) : ""}`;
	if (message.publishedAt) meta.title = `publishedAt ${message.publishedAt}`;
	const body = document.createElement("span");
	if (payload && typeof payload === "object" && typeof payload.text === "string") {
		const from = document.createElement("strong");
		from.textContent = `${payload.from ?? "someone"}: `;
		body.append(from, payload.text);
	} else {
		body.textContent = JSON.stringify(payload);
	}
	item.append(meta, " ", body);
	const log = byId("channel-log");
	log.append(item);
	while (log.children.length > 100) log.firstElementChild.remove();
	item.scrollIntoView({ block: "nearest" });
}

function setChannelState(text, state = "idle") {
	const badge = byId("channel-state");
	badge.textContent = text;
	badge.dataset.state = state;
}

const setChannelStatus = (text) => {
	byId("channel-status").textContent = text;
};

// ---------------------------------------------------------------- start

async function start() {
	setupChannel();
	const status = byId("stores-status");
	try {
		const { stores } = await api("GET", "/api/stores");
		byId("counter-cards").append(...stores.map(renderCounterCard));
		setupSessions(stores);
		status.textContent = `${stores.length} store${stores.length === 1 ? "" : "s"} available: ${stores.map((s) => s.title).join(", ")}.`;
	} catch (error) {
		status.textContent = `Could not load the stores: ${describeFailure(error)}`;
	}
}

start();
