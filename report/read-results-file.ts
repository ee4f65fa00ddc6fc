import { readFileSync, statSync } from "node:fs";
import { K6SummaryError, k6SummaryToResults } from "./k6-summary.ts";
import { type BenchResults, parseResults } from "./results-schema.ts";

/** A results file that is missing, unreadable, not JSON, truncated or not of this schema. */
export class ResultsFileError extends Error {
	override name = "ResultsFileError";
}

/** Reads a JSON file; every failure becomes a ResultsFileError naming the file (`what` says which kind). */
function readJsonFile(path: string, what: string): unknown {
	let text: string;
	try {
		text = readFileSync(path, "utf8");
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		const reason =
			code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (error as Error).message;
		throw new ResultsFileError(`Cannot read ${what} ${path}: ${reason}.`);
	}
	if (text.trim() === "") throw new ResultsFileError(`${capitalise(what)} ${path} is empty.`);
	try {
		return JSON.parse(text);
	} catch (error) {
		const message = (error as Error).message;
		// V8 names the position where parsing failed; at the very end of the text, the file ended early.
		const position = Number(/at position (\d+)/.exec(message)?.[1] ?? Number.NaN);
		const truncated = /end of (JSON )?input|Unterminated/i.test(message) || position >= text.trimEnd().length;
		throw new ResultsFileError(
			truncated
				? `${capitalise(what)} ${path} is truncated (the JSON ends early: ${message}). Was the run interrupted while writing it?`
				: `${capitalise(what)} ${path} is not valid JSON: ${message}.`,
		);
	}
}

function capitalise(text: string): string {
	return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Reads and validates a `results.json`; every failure becomes a ResultsFileError naming the file. */
export function readResultsFile(path: string): BenchResults {
	const json = readJsonFile(path, "results file");
	try {
		return parseResults(json);
	} catch (error) {
		throw new ResultsFileError(`${path}: ${(error as Error).message}`);
	}
}

/**
 * Reads a k6 summary (the JSON a `npm run bench:k6` script's handleSummary() writes) and converts it to
 * results with `source: "k6"`; every failure becomes a ResultsFileError naming the file and what is missing.
 */
export function readK6SummaryFile(path: string): BenchResults {
	const json = readJsonFile(path, "k6 summary");
	try {
		return k6SummaryToResults(json, { fileName: path, fileModifiedAt: statSync(path).mtime });
	} catch (error) {
		if (error instanceof K6SummaryError) throw new ResultsFileError(error.message);
		throw error;
	}
}
