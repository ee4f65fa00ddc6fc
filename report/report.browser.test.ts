import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readK6SummaryFile } from "./read-results-file.ts";
import { writeReport } from "./write-report.ts";

// The report opened the way a reader opens it: from file://, in Debian's chromium, with every
// non-file request aborted and counted. Screenshots go to test-results/ (gitignored).
const CHROMIUM = "/usr/bin/chromium";
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.json`, import.meta.url));
const screenshots = fileURLToPath(new URL("../test-results/", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "report-browser-"));

let browser: Browser;

beforeAll(async () => {
	for (
		let waited = 0;
		!existsSync("/tmp/chromium-installed") && !existsSync(CHROMIUM) && waited < 300;
		waited++
	) {
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}
	mkdirSync(screenshots, { recursive: true });
	browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: [
			"--headless",
			"--no-sandbox",
			"--disable-gpu",
			"--disable-background-networking",
			"--disable-component-update",
		],
	});
});

afterAll(async () => {
	await browser?.close();
	rmSync(work, { recursive: true, force: true });
});

interface OpenedReport {
	page: Page;
	aborted: string[];
	consoleErrors: string[];
	close: () => Promise<void>;
}

async function openReport(htmlPath: string, colorScheme: "light" | "dark"): Promise<OpenedReport> {
	const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme });
	const page = await context.newPage();
	const aborted: string[] = [];
	const consoleErrors: string[] = [];
	await page.route("**/*", (route) => {
		if (route.request().url().startsWith("file:")) return route.continue();
		aborted.push(route.request().url());
		return route.abort();
	});
	page.on("console", (message) => {
		if (message.type() === "error") consoleErrors.push(message.text());
	});
	page.on("pageerror", (error) => consoleErrors.push(error.message));
	await page.goto(pathToFileURL(htmlPath).href);
	await page.waitForFunction(() => "__chartsDrawn" in window, null, { timeout: 30_000 });
	return { page, aborted, consoleErrors, close: () => context.close() };
}

/** For every canvas: its id and how many pixels are not fully transparent. */
function drawnPixels(page: Page): Promise<Array<{ id: string; pixels: number }>> {
	return page.evaluate(() =>
		Array.from(document.querySelectorAll("canvas")).map((canvas) => {
			const context = canvas.getContext("2d");
			if (!context || canvas.width === 0 || canvas.height === 0) return { id: canvas.id, pixels: 0 };
			const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
			let pixels = 0;
			for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) pixels++;
			return { id: canvas.id, pixels };
		}),
	);
}

function pageBackground(page: Page): Promise<string> {
	return page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
}

/** The tick colour Chart.js uses on the first chart, and the theme's text colour it should follow. */
function chartTextColours(page: Page): Promise<{ legend: string; expected: string }> {
	return page.evaluate(() => {
		const canvas = document.querySelector("canvas");
		const chart = (
			window as unknown as {
				Chart: { getChart(c: unknown): { options: { plugins: { legend: { labels: { color: string } } } } } };
			}
		).Chart.getChart(canvas);
		return {
			legend: chart.options.plugins.legend.labels.color,
			expected: getComputedStyle(document.documentElement).getPropertyValue("--text").trim(),
		};
	});
}

const WHITE = "rgb(255, 255, 255)";
const DARK = "rgb(15, 18, 22)";

describe("the report in chromium, offline from file://", () => {
	it("a full local run: no requests, no console errors, every chart drawn, both themes", async () => {
		const out = join(work, "full-local.html");
		writeReport(fixture("full-local"), out);
		const light = await openReport(out, "light");
		try {
			const { page } = light;
			const canvases = await drawnPixels(page);
			expect(canvases.length).toBeGreaterThan(10);
			expect(Number(await page.evaluate(() => document.documentElement.dataset.chartsDrawn))).toBe(
				canvases.length,
			);
			for (const canvas of canvases) expect(canvas.pixels, canvas.id).toBeGreaterThan(500);
			expect(await pageBackground(page)).toBe(WHITE);
			await page.screenshot({ path: join(screenshots, "report-full-local-light.png"), fullPage: true });

			await page.getByRole("button", { name: "Switch between light and dark theme" }).click();
			expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
			expect(await pageBackground(page)).toBe(DARK);
			const colours = await chartTextColours(page);
			expect(colours.legend).toBe(colours.expected);
			expect(colours.legend).not.toBe("#15191e");
			for (const canvas of await drawnPixels(page)) expect(canvas.pixels, canvas.id).toBeGreaterThan(500);
			await page.screenshot({ path: join(screenshots, "report-full-local-toggled-dark.png") });

			expect(light.aborted).toEqual([]);
			expect(light.consoleErrors).toEqual([]);
		} finally {
			await light.close();
		}
	});

	it("follows prefers-color-scheme: dark, and the toggle switches back to light", async () => {
		const out = join(work, "production-vs-local.html");
		writeReport(fixture("production"), out, { compare: fixture("full-local") });
		const dark = await openReport(out, "dark");
		try {
			const { page } = dark;
			expect(await pageBackground(page)).toBe(DARK);
			const colours = await chartTextColours(page);
			expect(colours.legend).toBe(colours.expected);
			for (const canvas of await drawnPixels(page)) expect(canvas.pixels, canvas.id).toBeGreaterThan(500);
			await page.screenshot({ path: join(screenshots, "report-compare-dark.png"), fullPage: true });
			await page.getByRole("button", { name: "Switch between light and dark theme" }).click();
			expect(await pageBackground(page)).toBe(WHITE);
			expect((await chartTextColours(page)).legend).toBe("#15191e");
			expect(dark.aborted).toEqual([]);
			expect(dark.consoleErrors).toEqual([]);
		} finally {
			await dark.close();
		}
	});

	it("an aborted run with missing sections still opens cleanly and prints", async () => {
		const out = join(work, "with-errors.html");
		writeReport(fixture("with-errors"), out);
		const opened = await openReport(out, "light");
		try {
			const { page } = opened;
			for (const canvas of await drawnPixels(page)) expect(canvas.pixels, canvas.id).toBeGreaterThan(500);
			expect(await page.getByText("Not run.").count()).toBeGreaterThanOrEqual(3);
			await page.screenshot({ path: join(screenshots, "report-with-errors.png"), fullPage: true });
			await page.emulateMedia({ media: "print" });
			expect(await page.locator("#theme-toggle").isVisible()).toBe(false);
			const pdf = await page.pdf({ format: "A4" });
			expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
			expect(opened.aborted).toEqual([]);
			expect(opened.consoleErrors).toEqual([]);
		} finally {
			await opened.close();
		}
	});

	it("a k6 summary: no requests, no console errors, the p50/p99 bars drawn and no spectrum", async () => {
		const out = join(work, "k6-summary.html");
		writeReport(readK6SummaryFile(fixture("k6-summary")), out);
		const opened = await openReport(out, "light");
		try {
			const { page } = opened;
			const canvases = await drawnPixels(page);
			expect(canvases.map((canvas) => canvas.id)).toEqual(["chart-counter-read-p50-p99"]);
			for (const canvas of canvases) expect(canvas.pixels, canvas.id).toBeGreaterThan(500);
			await expect(page.getByText("Source: k6 (distributed runners)").isVisible()).resolves.toBe(true);
			expect(await page.getByText("from k6: percentiles only (no histogram)").count()).toBe(1);
			await page.screenshot({ path: join(screenshots, "report-k6-summary.png"), fullPage: true });
			expect(opened.aborted).toEqual([]);
			expect(opened.consoleErrors).toEqual([]);
		} finally {
			await opened.close();
		}
	});
});
