/**
 * `npm run bench:report`: renders the full local-run fixture, prints the report's size and how long
 * chromium takes from DOMContentLoaded until every chart is drawn. Limits (issue 6): ≤ 600 KB and
 * ≤ 2 s. Exit code 1 when a limit is exceeded. Figures belong in docs/performance.md.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { readResultsFile } from "./read-results-file.ts";
import { renderReport } from "./render-report.ts";
import { writeReport } from "./write-report.ts";

const SIZE_LIMIT_BYTES = 600 * 1000;
const DRAW_LIMIT_MS = 2000;
const RUNS = 5;

const fixture = fileURLToPath(new URL("./fixtures/full-local.json", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "report-benchmark-"));
const out = join(work, "report.html");

const results = readResultsFile(fixture);
const renderStart = performance.now();
renderReport(results);
const renderMs = performance.now() - renderStart;
const { bytes } = writeReport(fixture, out);

const browser = await chromium.launch({
	executablePath: "/usr/bin/chromium",
	args: [
		"--headless",
		"--no-sandbox",
		"--disable-gpu",
		"--disable-background-networking",
		"--disable-component-update",
	],
});
const timings: Array<{ domContentLoaded: number; drawn: number; charts: number }> = [];
try {
	for (let run = 0; run < RUNS; run++) {
		const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
		const page = await context.newPage();
		await page.route("**/*", (route) =>
			route.request().url().startsWith("file:") ? route.continue() : route.abort(),
		);
		await page.goto(pathToFileURL(out).href);
		await page.waitForFunction(() => "__chartsDrawn" in window, null, { timeout: 30_000 });
		timings.push(
			await page.evaluate(() => {
				const navigation = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
				return {
					domContentLoaded: navigation.domContentLoadedEventStart,
					drawn: (window as unknown as { __chartsDrawn: number }).__chartsDrawn,
					charts: Number(document.documentElement.dataset.chartsDrawn),
				};
			}),
		);
		await context.close();
	}
} finally {
	await browser.close();
	rmSync(work, { recursive: true, force: true });
}

const drawMs = timings.map((t) => t.drawn - t.domContentLoaded).sort((a, b) => a - b);
const loadMs = timings.map((t) => t.domContentLoaded).sort((a, b) => a - b);
const median = (values: number[]) => values[Math.floor(values.length / 2)] ?? Number.NaN;
const worst = Math.max(...drawMs);
const sizeOk = bytes <= SIZE_LIMIT_BYTES;
const drawOk = worst <= DRAW_LIMIT_MS;

console.log(
	`HTML report benchmark — fixture report/fixtures/full-local.json, ${timings[0]?.charts} charts, ${RUNS} loads`,
);
console.log(
	`  size                               ${bytes} bytes (${(bytes / 1000).toFixed(1)} KB)   limit 600 KB  ${sizeOk ? "ok" : "OVER"}`,
);
console.log(`  renderReport() in Node             ${renderMs.toFixed(0)} ms`);
console.log(`  navigation → DOMContentLoaded      median ${median(loadMs).toFixed(0)} ms`);
console.log(
	`  DOMContentLoaded → charts drawn    median ${median(drawMs).toFixed(0)} ms, worst ${worst.toFixed(0)} ms   limit ${DRAW_LIMIT_MS} ms  ${drawOk ? "ok" : "OVER"}`,
);
process.exitCode = sizeOk && drawOk ? 0 : 1;
