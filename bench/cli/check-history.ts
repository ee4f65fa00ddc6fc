// `npm run check-history -- FILE [--json] [--timeout-ms N]`
// Linearizability check of a recorded history; exit 0 linearizable, 1 not, 2 unknown or bad input.

import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { type History, HistoryFormatError, parseHistory } from "../consistency/history.ts";
import {
	type CheckResult,
	checkHistory,
	DEFAULT_TIMEOUT_MS,
} from "../consistency/linearizability-checker.ts";
import { CliError, positiveNumber, runCli } from "./cli-errors.ts";

const HELP = `Usage: npm run check-history -- FILE [--json] [--timeout-ms N]

Check a recorded history of counter operations for linearizability, key by key
(Wing–Gong/Lowe search with memoization, as in Porcupine).

FILE is JSON: {"operations": [op, ...]} with one op per completed or abandoned call:
  {"client": 3, "key": "x", "f": "read"|"write"|"cas"|"increment", "call": t0, "return": t1|null, ...}
  read: "value": n|null    write: "value": n    cas: "from": n|null, "to": n, "ok": bool
  increment: "by": n, "value": new value
  "outcome": "unknown" (or "return": null) marks an op whose result was never seen.

Options:
  --json           print exactly one JSON object:
                   {"file","verdict","operations","durationMs","keys":[{"key","verdict","operations",
                   "unknownOutcomes","durationMs","counterexample"?}],"counterexample"?}
  --timeout-ms N   time budget in milliseconds; undecided keys are "unknown"   [default ${DEFAULT_TIMEOUT_MS}]
  -h, --help       show this help

Exit codes: 0 linearizable, 1 not linearizable, 2 unknown (budget exceeded) or bad input.
`;

const EXIT = { ok: 0, illegal: 1, unknown: 2 } as const;

/** A file that cannot be read, parsed or validated; names the operation index and field when known. */
class InputError extends CliError {
	constructor(
		message: string,
		readonly opIndex?: number,
		readonly field?: string,
	) {
		super(message);
	}
}

/** Reads and validates the file; every problem becomes a one-line {@link InputError}. */
async function loadHistory(file: string) {
	let text: string;
	try {
		text = await readFile(file, "utf8");
	} catch (error) {
		const code = (error as { code?: string }).code;
		throw new InputError(
			code === "ENOENT" ? `${file}: no such file` : `${file}: cannot read it (${(error as Error).message})`,
		);
	}
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (error) {
		throw new InputError(`${file}: not valid JSON (${(error as Error).message})`);
	}
	try {
		return parseHistory(json);
	} catch (error) {
		if (error instanceof HistoryFormatError) {
			throw new InputError(`${file}: ${error.message}`, error.opIndex, error.field);
		}
		throw error;
	}
}

function summary(file: string, result: CheckResult, timeoutMs: number): string {
	const ms = (n: number) => `${n.toFixed(1)} ms`;
	const lines = [
		`${file}: ${result.operations} operations on ${result.keys.length} key${result.keys.length === 1 ? "" : "s"}, checked in ${ms(result.durationMs)}`,
	];
	const notOk = result.keys.filter((k) => k.verdict !== "ok");
	for (const k of result.keys.length <= 20 ? result.keys : notOk) {
		const unknown = k.unknownOutcomes > 0 ? `, ${k.unknownOutcomes} with unknown outcome` : "";
		lines.push(`  ${k.key}: ${k.verdict} (${k.operations} operations${unknown}, ${ms(k.durationMs)})`);
	}
	if (result.keys.length > 20 && notOk.length === 0) lines.push(`  all ${result.keys.length} keys ok`);
	if (result.verdict === "ok") lines.push("verdict: ok (linearizable)");
	if (result.verdict === "illegal")
		lines.push("verdict: illegal (not linearizable)", "", result.counterexample ?? "");
	if (result.verdict === "unknown") {
		const undecided = result.keys.filter((k) => k.verdict === "unknown");
		const memory = undecided.some((k) => k.unknownReason === "memory");
		const why = memory
			? `the search for ${undecided.filter((k) => k.unknownReason === "memory").length} key(s) outgrew its memory cap`
			: `the ${timeoutMs} ms budget ran out with ${undecided.length} key${undecided.length === 1 ? "" : "s"} undecided; try a larger --timeout-ms`;
		lines.push(`verdict: unknown (${why})`);
	}
	return `${lines.join("\n")}\n`;
}

await runCli(HELP, async (argv) => {
	const { values, positionals } = parseArgs({
		args: argv,
		options: {
			json: { type: "boolean", default: false },
			"timeout-ms": { type: "string", default: String(DEFAULT_TIMEOUT_MS) },
			help: { type: "boolean", short: "h", default: false },
		},
		strict: true,
		allowPositionals: true,
	});
	if (values.help) {
		process.stdout.write(HELP);
		return 0;
	}
	if (positionals.length !== 1) {
		throw new CliError(
			positionals.length === 0 ? "FILE is required" : `expected one FILE, got ${positionals.length}`,
		);
	}
	const file = positionals[0] as string;
	const timeoutMs = positiveNumber("--timeout-ms", values["timeout-ms"], { integer: true, allowZero: true });
	let history: History;
	try {
		history = await loadHistory(file);
	} catch (error) {
		if (!(error instanceof InputError)) throw error;
		const { message, opIndex, field } = error;
		if (values.json) {
			const detail = {
				code: "invalid_history",
				message,
				...(opIndex === undefined ? {} : { opIndex }),
				...(field ? { field } : {}),
			};
			process.stdout.write(`${JSON.stringify({ file, error: detail })}\n`);
		}
		process.stderr.write(`error: ${message}\n`);
		return 2;
	}
	let result: CheckResult;
	try {
		result = checkHistory(history, { timeoutMs });
	} catch (error) {
		// A checker bug must not read as "not linearizable" (exit 1).
		process.stderr.write(`error: the checker failed: ${(error as Error).stack ?? String(error)}\n`);
		return 2;
	}
	process.stdout.write(
		values.json ? `${JSON.stringify({ file, ...result })}\n` : summary(file, result, timeoutMs),
	);
	return EXIT[result.verdict];
});
