import { mkdirSync } from "node:fs";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../bench/target/wrangler-dev.ts";

// The playground page (workers/public/) in Debian's chromium, against a real
// `wrangler dev`: what a workshop attendee sees when they open http://localhost:8787/.

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT_DIR = "test-results/playground";

let dev: WranglerDev;
let browser: Browser;
const pageErrors = new Map<Page, string[]>();
/** Generous waits: the machine running the tests may be busy. */
const POLL = { timeout: 10_000 };

beforeAll(async () => {
	[dev, browser] = await Promise.all([
		startWranglerDev(),
		chromium.launch({
			executablePath: CHROMIUM,
			args: [
				"--headless",
				"--no-sandbox",
				"--disable-gpu",
				"--disable-background-networking",
				"--disable-component-update",
			],
		}),
	]);
	mkdirSync(SCREENSHOT_DIR, { recursive: true });
});

afterAll(async () => {
	await browser?.close();
	await dev?.stop();
});

/** Open the playground in a fresh page and wait until one card per store is rendered. */
async function openPlayground(options: { colorScheme?: "light" | "dark" } = {}): Promise<Page> {
	const page = await browser.newPage({
		viewport: { width: 1280, height: 900 },
		colorScheme: options.colorScheme,
	});
	const errors: string[] = [];
	pageErrors.set(page, errors);
	page.on("console", (message) => {
		if (message.type() === "error") errors.push(`console: ${message.text()}`);
	});
	page.on("pageerror", (error) => errors.push(`page: ${error.message}`));
	await page.goto(`${dev.url}/`);
	const { stores } = (await apiJson("GET", "/api/stores")) as { stores: { name: string }[] };
	await expect.poll(() => page.locator("article.card").count(), POLL).toBe(stores.length);
	return page;
}

async function apiJson(method: string, path: string, body?: unknown): Promise<unknown> {
	const response = await fetch(`${dev.url}${path}`, {
		method,
		headers: body === undefined ? {} : { "content-type": "application/json" },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	expect(response.ok, `${method} ${path} answered ${response.status}`).toBe(true);
	return response.status === 204 ? null : response.json();
}

async function readCounter(store: string, key: string): Promise<number | null> {
	const { value } = (await apiJson("GET", `/api/${store}/counters/${key}`)) as { value: number | null };
	return value;
}

/** Run a burst from a store's card and return the numbers the page displays. */
async function burst(page: Page, store: string, key: string, mode: "naive" | "atomic") {
	const card = page.locator(`article.card[data-store="${store}"]`);
	await card.getByLabel("Counter key").fill(key);
	await card.getByRole("button", { name: `Burst 50 ${mode}` }).click();
	const table = card.locator(`table[data-mode="${mode}"][data-done="true"]`);
	await table.waitFor({ timeout: 60_000 });
	const cell = async (name: string) => (await table.locator(`[data-slot="${name}"]`).textContent())?.trim();
	return {
		card,
		before: Number(await cell("before")),
		succeeded: await cell("succeeded"),
		expected: Number(await cell("expected")),
		final: Number(await cell("final")),
		lost: Number(await cell("lost")),
		attempts: await cell("attempts"),
		status: (await card.locator(`[data-slot="status"]`).textContent())?.trim(),
		value: (await card.locator("output").textContent())?.trim(),
	};
}

async function joinChannel(page: Page, channelId: string, name: string): Promise<Locator> {
	const realtime = page.locator("#realtime");
	await realtime.getByLabel("Channel id").fill(channelId);
	await realtime.getByLabel("Your name").fill(name);
	await realtime.getByRole("button", { name: "Join" }).click();
	await expect
		.poll(() => realtime.locator("#channel-state").textContent(), POLL)
		.toBe(`joined “${channelId}”`);
	return realtime;
}

describe("playground page", () => {
	it("loads one card per store from GET /api/stores, with no console errors", async () => {
		const page = await openPlayground();
		const { stores } = (await apiJson("GET", "/api/stores")) as {
			stores: { name: string; title: string; atomicIncrement: { supported: boolean } }[];
		};
		for (const store of stores) {
			const card = page.locator(`article.card[data-store="${store.name}"]`);
			await expect.poll(() => card.getByRole("heading", { level: 3 }).textContent(), POLL).toBe(store.title);
			const atomic = card.getByRole("button", { name: "Burst 50 atomic" });
			expect(await atomic.isDisabled()).toBe(!store.atomicIncrement.supported);
		}
		expect(await page.locator("#stores-status").textContent()).toContain(`${stores.length} store`);
		expect(await page.title()).toBe("Workers State Lab — playground");
		expect(pageErrors.get(page)).toEqual([]);
		await page.close();
	});

	it("shows a naive KV burst with numbers that match the counter read back through the API", async () => {
		const page = await openPlayground();
		const key = `kv-naive-${Date.now()}`;
		const shown = await burst(page, "kv", key, "naive");
		const stored = await readCounter("kv", key);
		expect(shown.before).toBe(0);
		expect(shown.succeeded).toBe("50 of 50");
		expect(shown.expected).toBe(50);
		expect(shown.final).toBe(stored);
		expect(shown.value).toBe(String(stored));
		expect(shown.lost).toBe(50 - (stored ?? 0));
		expect(shown.lost).toBeGreaterThanOrEqual(0);
		expect(shown.status).toContain(`expected 50, final ${stored}`);
		expect(pageErrors.get(page)).toEqual([]);
		await page.close();
	});

	it("shows atomic bursts on Durable Objects (before + 50, none lost) and R2 (with its CAS attempts)", async () => {
		const page = await openPlayground();
		const key = `atomic-${Date.now()}`;
		await apiJson("PUT", `/api/do/counters/${key}`, { value: 7 });
		const durable = await burst(page, "do", key, "atomic");
		expect(durable).toMatchObject({ before: 7, succeeded: "50 of 50", expected: 57, final: 57, lost: 0 });
		expect(durable.status).toContain("expected 57, final 57, no updates lost");
		expect(await readCounter("do", key)).toBe(57);

		const r2 = await burst(page, "r2", key, "atomic");
		expect(r2).toMatchObject({ before: 0, succeeded: "50 of 50", expected: 50, final: 50, lost: 0 });
		expect(await readCounter("r2", key)).toBe(50);
		// Every increment took at least one conditional put; contention shows up as retries.
		const attempts = Number(/^\d+/.exec(r2.attempts ?? "")?.[0]);
		expect(attempts).toBeGreaterThanOrEqual(50);
		expect(r2.attempts).toBe(attempts === 50 ? "50" : `${attempts} (${attempts - 50} retries)`);

		expect(pageErrors.get(page)).toEqual([]);
		await page.screenshot({ path: `${SCREENSHOT_DIR}/playground.png`, fullPage: true });
		await page.close();
	});

	it("creates a session with a short TTL, counts down, shows it expire, and states KV's 60 s rule", async () => {
		const page = await openPlayground();
		const sessions = page.locator("#sessions");
		await sessions.getByLabel("Store").selectOption("kv");
		expect(await sessions.getByLabel("TTL (seconds)").inputValue()).toBe("60");
		expect(await sessions.getByLabel("TTL (seconds)").getAttribute("min")).toBe("60");
		expect(await page.locator("#session-ttl-rule").textContent()).toContain(
			"Workers KV refuses TTLs shorter than 60 s",
		);

		await sessions.getByLabel("Store").selectOption("do");
		await sessions.getByLabel("TTL (seconds)").fill("3");
		await sessions.getByRole("button", { name: "Create session" }).click();
		await expect.poll(() => page.locator("#session-state").textContent(), POLL).toBe("live");
		expect(await page.locator("#session-countdown").textContent()).toMatch(/^[1-3] s$/);
		const id = await page.locator("#session-view-id").textContent();
		expect(await apiJson("GET", `/api/do/sessions/${id}`)).toMatchObject({
			id,
			data: { user: "ada", cart: 3 },
		});

		await expect
			.poll(() => page.locator("#session-state").textContent(), { timeout: 15_000 })
			.toBe("expired");
		expect(await page.locator("#session-status").textContent()).toMatch(/^Expired: GET now answers 404/);
		expect((await fetch(`${dev.url}/api/do/sessions/${id}`)).status).toBe(404);
		// Chromium logs every 4xx answer to fetch() as a console error; the expected 404 is the only one allowed.
		const unexpected = pageErrors.get(page)?.filter((error) => !/status of 404 \(Not Found\)/.test(error));
		expect(unexpected).toEqual([]);
		await page.close();
	});

	it("carries a message sent in one page to another page on the same channel", async () => {
		const alice = await openPlayground();
		const bob = await openPlayground({ colorScheme: "dark" });
		const channelId = `playground-${Date.now()}`;
		const aliceRealtime = await joinChannel(alice, channelId, "alice");
		const bobRealtime = await joinChannel(bob, channelId, "bob");
		await expect
			.poll(() => bobRealtime.locator("#channel-subscribers").textContent(), POLL)
			.toBe("2 subscribers connected");

		await aliceRealtime.getByLabel("Message", { exact: true }).fill("hello from alice");
		await aliceRealtime.getByRole("button", { name: "Send" }).click();
		const received = bobRealtime.locator("#channel-log li", { hasText: "hello from alice" });
		await received.waitFor({ timeout: 10_000 });
		expect(await received.textContent()).toMatch(/^#1 \S+ alice: hello from alice$/);
		// Bob's socket may see the message before Alice's publish request has answered.
		await expect
			.poll(() => aliceRealtime.locator("#channel-status").textContent(), POLL)
			.toBe("Published as #1, delivered to 2 open sockets.");

		await bobRealtime.getByLabel("Message", { exact: true }).fill("hi alice");
		await bobRealtime.getByRole("button", { name: "Send" }).click();
		await aliceRealtime.locator("#channel-log li", { hasText: "bob: hi alice" }).waitFor({ timeout: 10_000 });
		expect(await aliceRealtime.locator("#channel-log li").allTextContents()).toEqual([
			expect.stringMatching(/^#1 .* alice: hello from alice$/),
			expect.stringMatching(/^#2 .* bob: hi alice$/),
		]);

		await bob.screenshot({ path: `${SCREENSHOT_DIR}/playground-dark-realtime.png`, fullPage: true });
		expect(pageErrors.get(alice)).toEqual([]);
		expect(pageErrors.get(bob)).toEqual([]);
		await alice.close();
		await bob.close();
	});
});
