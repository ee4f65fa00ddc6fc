/**
 * `npm run report -- RESULTS.json [--compare OTHER.json] [--out FILE]`: (re)builds the HTML report.
 * Exit codes: 0 written, 2 bad arguments or an unreadable/invalid results file.
 */
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ResultsFileError } from "./read-results-file.ts";
import { writeReport } from "./write-report.ts";

const USAGE = `Usage: npm run report -- RESULTS.json [--compare OTHER.json] [--out FILE]

Builds one self-contained HTML report (no network needed to open it) from a bench results file.

  RESULTS.json          results written by \`npm run bench\` (schema: docs/results-schema.md)
  --compare OTHER.json  show another run side by side, with per-percentile deltas
  --out FILE            where to write the report (default: report.html beside RESULTS.json)
  -h, --help            show this help

Exit codes: 0 report written, 2 bad arguments or an unreadable, truncated or invalid results file.`;

function fail(message: string): never {
	process.stderr.write(`report: ${message}\n\n${USAGE}\n`);
	process.exit(2);
}

let parsed: ReturnType<
	typeof parseArgs<{
		options: { compare: { type: "string" }; out: { type: "string" }; help: { type: "boolean"; short: "h" } };
		allowPositionals: true;
	}>
>;
try {
	parsed = parseArgs({
		options: { compare: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } },
		allowPositionals: true,
	});
} catch (error) {
	fail((error as Error).message);
}

if (parsed.values.help) {
	process.stdout.write(`${USAGE}\n`);
	process.exit(0);
}
const [resultsPath, ...extra] = parsed.positionals;
if (!resultsPath) fail("missing RESULTS.json.");
if (extra.length > 0) fail(`unexpected argument(s): ${extra.join(" ")}.`);

const outPath = resolve(parsed.values.out ?? join(dirname(resultsPath), "report.html"));
try {
	const { bytes } = writeReport(resultsPath, outPath, { compare: parsed.values.compare });
	process.stdout.write(`Wrote ${outPath} (${(bytes / 1024).toFixed(0)} KiB)\n`);
} catch (error) {
	if (error instanceof ResultsFileError) {
		process.stderr.write(`report: ${error.message}\n`);
		process.exit(2);
	}
	throw error;
}
