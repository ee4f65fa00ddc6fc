import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { readResultsFile } from "./read-results-file.ts";
import { renderReport } from "./render-report.ts";
import { type BenchResults, parseResults } from "./results-schema.ts";

export interface WriteReportOptions {
	/** Another run to compare with: a results file path or already-loaded results. */
	compare?: string | BenchResults;
}

function load(source: string | BenchResults): BenchResults {
	return typeof source === "string" ? readResultsFile(source) : parseResults(source);
}

/**
 * Renders a results file (a path or loaded results) to `outPath` as one self-contained HTML file,
 * creating the folder if needed. Throws a ResultsFileError for unreadable or invalid input.
 */
export function writeReport(
	results: string | BenchResults,
	outPath: string,
	options: WriteReportOptions = {},
): { outPath: string; bytes: number } {
	const html = renderReport(load(results), {
		compare: options.compare === undefined ? undefined : load(options.compare),
	});
	mkdirSync(dirname(outPath), { recursive: true });
	writeFileSync(outPath, html);
	return { outPath, bytes: Buffer.byteLength(html) };
}
