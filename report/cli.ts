/**
 * `npm run report -- RESULTS.json [--compare OTHER.json] [--out FILE]`: (re)builds the HTML report;
 * `npm run report -- --k6-summary FILE [--out FILE]` builds it from a k6 summary instead.
 * Exit codes: 0 written, 2 bad arguments or an unreadable/invalid input file.
 */
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ResultsFileError, readK6SummaryFile } from "./read-results-file.ts";
import { writeReport } from "./write-report.ts";

const USAGE = `Usage: npm run report -- RESULTS.json [--compare OTHER.json] [--out FILE]
       npm run report -- --k6-summary FILE [--compare OTHER.json] [--out FILE]

Builds one self-contained HTML report (no network needed to open it) from a bench results file,
or from the k6 summary JSON that a script exported by \`npm run bench:k6\` writes (latency only,
percentiles without histograms; the report is marked as coming from k6).

  RESULTS.json          results written by \`npm run bench\` (schema: docs/results-schema.md)
  --k6-summary FILE     a k6 summary (handleSummary JSON) instead of RESULTS.json
  --compare OTHER.json  show another run side by side, with per-percentile deltas
  --out FILE            where to write the report (default: report.html beside the input file)
  -h, --help            show this help

Exit codes: 0 report written, 2 bad arguments or an unreadable, truncated or invalid input file.`;

function fail(message: string): never {
	process.stderr.write(`report: ${message}\n\n${USAGE}\n`);
	process.exit(2);
}

let parsed: ReturnType<
	typeof parseArgs<{
		options: {
			compare: { type: "string" };
			out: { type: "string" };
			"k6-summary": { type: "string" };
			help: { type: "boolean"; short: "h" };
		};
		allowPositionals: true;
	}>
>;
try {
	parsed = parseArgs({
		options: {
			compare: { type: "string" },
			out: { type: "string" },
			"k6-summary": { type: "string" },
			help: { type: "boolean", short: "h" },
		},
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
const k6Summary = parsed.values["k6-summary"];
if (k6Summary !== undefined && resultsPath !== undefined)
	fail(
		`give either RESULTS.json or --k6-summary FILE, not both (got ${resultsPath} and --k6-summary ${k6Summary}).`,
	);
if (k6Summary === "") fail("--k6-summary needs a file name.");
const inputPath = k6Summary ?? resultsPath;
if (!inputPath) fail("missing RESULTS.json (or --k6-summary FILE).");
if (extra.length > 0) fail(`unexpected argument(s): ${extra.join(" ")}.`);

const outPath = resolve(parsed.values.out ?? join(dirname(inputPath), "report.html"));
try {
	const input = k6Summary === undefined ? inputPath : readK6SummaryFile(k6Summary);
	const { bytes } = writeReport(input, outPath, { compare: parsed.values.compare });
	process.stdout.write(`Wrote ${outPath} (${(bytes / 1024).toFixed(0)} KiB)\n`);
} catch (error) {
	if (error instanceof ResultsFileError) {
		process.stderr.write(`report: ${error.message}\n`);
		process.exit(2);
	}
	throw error;
}
