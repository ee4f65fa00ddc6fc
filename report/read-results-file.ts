import { readFileSync } from "node:fs";
import { type BenchResults, parseResults } from "./results-schema.ts";

/** A results file that is missing, unreadable, not JSON, truncated or not of this schema. */
export class ResultsFileError extends Error {
	override name = "ResultsFileError";
}

/** Reads and validates a `results.json`; every failure becomes a ResultsFileError naming the file. */
export function readResultsFile(path: string): BenchResults {
	let text: string;
	try {
		text = readFileSync(path, "utf8");
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		const reason =
			code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (error as Error).message;
		throw new ResultsFileError(`Cannot read results file ${path}: ${reason}.`);
	}
	if (text.trim() === "") throw new ResultsFileError(`Results file ${path} is empty.`);
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (error) {
		const truncated = /end of (JSON )?input|Unterminated/i.test((error as Error).message);
		throw new ResultsFileError(
			truncated
				? `Results file ${path} is truncated (the JSON ends early: ${(error as Error).message}). Was the bench interrupted while writing it?`
				: `Results file ${path} is not valid JSON: ${(error as Error).message}.`,
		);
	}
	try {
		return parseResults(json);
	} catch (error) {
		throw new ResultsFileError(`${path}: ${(error as Error).message}`);
	}
}
