// `npm run bench -- [--target URL | --port P] [--token T] [--profile quick|standard|thorough] [--stores a,b] [--scenarios a,b] [--out DIR]`
// Without --target it starts its own wrangler dev (free port, throw-away state) and always stops it.

import { isAbsolute, relative } from "node:path";
import { parseArgs } from "node:util";
import pc from "picocolors";
import { createProgress } from "../output/progress.ts";
import { renderSummaryTable } from "../output/summary-table.ts";
import { BenchConfigError, KNOWN_STORES, resolveConfig, runBench } from "../run/run-bench.ts";
import { exitCodeOf, formatVerdict } from "../run/thresholds.ts";
import { PROFILE_NAMES, PROFILES } from "../scenarios/profiles.ts";
import { SCENARIOS } from "../scenarios/scenario-registry.ts";
import { portInUse } from "../target/wrangler-dev.ts";
import { CliError, runCli } from "./cli-errors.ts";

const HELP = `Usage: npm run bench -- [--target URL | --port P] [--token T] [--profile quick|standard|thorough] [--stores a,b] [--scenarios a,b] [--out DIR]

Measure latency (and more) of the Workers state stores and write results.json and report.html.
Without --target, starts its own wrangler dev on a free port with throw-away state and stops it afterwards.

Options:
  --target URL      a running Worker, e.g. https://workers-state-lab.you.workers.dev
                    (a non-local target needs --token; the run uses its own key prefix and deletes its keys)
  --port P          port for the embedded wrangler dev [default: a free port]
  --token T         the Worker's BENCH_TOKEN (sent as 'Authorization: Bearer T'; never written to results);
                    defaults to the BENCH_TOKEN environment variable
  --profile P       ${PROFILE_NAMES.map((p) => `${p} (${PROFILES[p].description})`).join("\n                    ")}
                    [default standard]
  --stores a,b      stores to measure: ${KNOWN_STORES.join(", ")}   [default all]
  --scenarios a,b   scenarios to run: ${SCENARIOS.map((s) => s.name).join(", ")}
                    [default all]
  --out DIR         output directory [default bench-results/<timestamp>/, copied to bench-results/latest/]
  -h, --help        show this help

Exit code: 0 when the run completed and every threshold held, 1 otherwise, 2 for usage errors,
130 when interrupted (partial results are still written).
`;

const list = (text: string | undefined) =>
	text === undefined
		? undefined
		: text
				.split(",")
				.map((s) => s.trim())
				.filter(Boolean);

await runCli(HELP, async (argv) => {
	const { values } = parseArgs({
		args: argv,
		options: {
			target: { type: "string" },
			port: { type: "string" },
			token: { type: "string" },
			profile: { type: "string", default: "standard" },
			stores: { type: "string" },
			scenarios: { type: "string" },
			out: { type: "string" },
			help: { type: "boolean", short: "h", default: false },
		},
		strict: true,
		allowPositionals: false,
	});
	if (values.help) {
		process.stdout.write(HELP);
		return 0;
	}
	// Digits only (Number() would take "1e3" or "0x1f"); resolveConfig checks the range.
	if (values.port !== undefined && !/^\d+$/.test(values.port)) {
		throw new CliError(`--port must be a whole number from 1 to 65535, not '${values.port}'`);
	}
	const port = values.port === undefined ? undefined : Number(values.port);
	const options = {
		target: values.target,
		port,
		token: values.token ?? process.env.BENCH_TOKEN,
		profile: values.profile,
		stores: list(values.stores),
		scenarios: list(values.scenarios),
		out: values.out,
	};
	try {
		resolveConfig(options);
	} catch (error) {
		if (error instanceof BenchConfigError) throw new CliError(error.message);
		throw error;
	}
	if (port !== undefined && (await portInUse(port))) {
		throw new CliError(
			`port ${port} is already in use (is \`npm run dev\` running?): choose another --port, or leave it out for a free one`,
		);
	}

	// Ctrl-C: stop the run, write what was measured, stop wrangler, exit 130. A second Ctrl-C exits at once.
	const interrupt = new AbortController();
	let interruptedBy: string | null = null;
	let interruptedAt = 0;
	const onSignal = (signal: NodeJS.Signals) => {
		// The same Ctrl-C can arrive twice (terminal and tsx's relay); only a later one means "now".
		if (interruptedBy) {
			if (performance.now() - interruptedAt > 1000) process.exit(130);
			return;
		}
		interruptedBy = signal;
		interruptedAt = performance.now();
		process.stdout.write(`\n${signal}: stopping, writing partial results and stopping wrangler…\n`);
		interrupt.abort(`interrupted by ${signal}`);
	};
	process.on("SIGINT", onSignal);
	process.on("SIGTERM", onSignal);

	const progress = createProgress(process.stdout);
	const started = performance.now();
	const outcome = await runBench({ ...options, progress, signal: interrupt.signal });
	const { results } = outcome;
	process.stdout.write(`\n${renderSummaryTable(results)}\n\n`);
	// Paths inside the working directory are shown relative to it, others as given.
	const where = (path: string) => {
		const inside = relative(process.cwd(), path);
		return inside && !inside.startsWith("..") && !isAbsolute(inside) ? inside : path;
	};
	process.stdout.write(`results: ${where(outcome.resultsPath)}\n`);
	if (outcome.reportPath) process.stdout.write(`report:  ${where(outcome.reportPath)}\n`);
	process.stdout.write(
		`target:  ${results.run.target.kind} ${results.run.target.url}${results.run.target.colo ? ` (colo ${results.run.target.colo})` : ""}` +
			`  ·  profile ${results.run.profile}  ·  ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
	);
	if (results.run.target.kind === "local") {
		process.stdout.write(
			pc.dim(
				"note: local wrangler dev is not production: one location, KV is strongly consistent locally.\n",
			),
		);
	}
	process.stdout.write(`${formatVerdict(results.verdict)}\n`);
	return interruptedBy ? 130 : exitCodeOf(results.verdict);
});
