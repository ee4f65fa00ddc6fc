// `npm run bench:load -- --url URL --connections N --duration S [--rate R] --json`
// The raw load engine against any URL, for calibration and quick checks.

import { parseArgs } from "node:util";
import { runLoad } from "../load/load-engine.ts";
import { CliError, positiveNumber, runCli } from "./cli-errors.ts";

const HELP = `Usage: npm run bench:load -- --url URL --connections N --duration S [--rate R] [--json]

Send HTTP GET requests to URL over N keep-alive connections for S seconds and
print throughput and latency percentiles.

Options:
  --url URL          target URL (http or https), e.g. http://127.0.0.1:8787/api/health
  --connections N    keep-alive connections (closed model: requests in flight)   [default 10]
  --duration S       measured seconds                                             [default 10]
  --warmup S         seconds of warm-up before measuring                          [default 1]
  --rate R           open model: R requests/s at a constant arrival rate; latency
                     is measured from each request's intended start time
  --timeout S        per-request timeout in seconds                               [default 5]
  --token T          send 'Authorization: Bearer T'
  --json             print exactly one JSON object:
                     {"requests","errors","durationS","rps","latencyUs":{"p50","p90","p99","p999","max"}}
  -h, --help         show this help
`;

await runCli(HELP, async (argv) => {
	const { values } = parseArgs({
		args: argv,
		options: {
			url: { type: "string" },
			connections: { type: "string", default: "10" },
			duration: { type: "string", default: "10" },
			warmup: { type: "string", default: "1" },
			rate: { type: "string" },
			timeout: { type: "string", default: "5" },
			token: { type: "string" },
			json: { type: "boolean", default: false },
			help: { type: "boolean", short: "h", default: false },
		},
		strict: true,
		allowPositionals: false,
	});
	if (values.help) {
		process.stdout.write(HELP);
		return 0;
	}
	if (!values.url) throw new CliError("--url is required (e.g. --url http://127.0.0.1:8787/api/health)");
	let url: URL;
	try {
		url = new URL(values.url);
	} catch {
		throw new CliError(`--url '${values.url}' is not a valid URL`);
	}
	if (url.protocol !== "http:" && url.protocol !== "https:") {
		throw new CliError(`--url must be http:// or https://, not '${url.protocol}'`);
	}
	const connections = positiveNumber("--connections", values.connections, { integer: true, max: 10_000 });
	const duration = positiveNumber("--duration", values.duration, { max: 86_400 });
	const warmup = positiveNumber("--warmup", values.warmup, { allowZero: true, max: 3600 });
	const timeout = positiveNumber("--timeout", values.timeout, { max: 600 });
	const rate =
		values.rate === undefined ? undefined : positiveNumber("--rate", values.rate, { max: 1_000_000 });

	const result = await runLoad({
		origin: url.origin,
		request: { method: "GET", path: `${url.pathname}${url.search}` },
		connections,
		durationMs: duration * 1000,
		warmupMs: warmup * 1000,
		ratePerSecond: rate,
		timeoutMs: timeout * 1000,
		headers: values.token ? { authorization: `Bearer ${values.token}` } : {},
	});
	const p = result.latency.percentiles;
	if (values.json) {
		process.stdout.write(
			`${JSON.stringify({
				requests: result.requests,
				errors: result.errors,
				durationS: Math.round(result.durationS * 1000) / 1000,
				rps: result.rps,
				latencyUs: { p50: p.p50, p90: p.p90, p99: p.p99, p999: p.p999, max: p.max },
			})}\n`,
		);
	} else {
		const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`;
		const lines = [
			`${url.href}  ${result.model} model, ${connections} connections${rate ? `, ${rate} req/s` : ""}, ${result.durationS.toFixed(1)} s`,
			`requests ${result.requests}  errors ${result.errors}  rps ${result.rps}`,
			`latency p50 ${ms(p.p50)}  p90 ${ms(p.p90)}  p99 ${ms(p.p99)}  p99.9 ${ms(p.p999)}  max ${ms(p.max)}`,
		];
		if (result.uncorrectedLatency) {
			const u = result.uncorrectedLatency.percentiles;
			lines.push(`uncorrected (from send) p50 ${ms(u.p50)}  p99 ${ms(u.p99)}  max ${ms(u.max)}`);
		}
		if (result.schedule) {
			const s = result.schedule;
			lines.push(`schedule: intended ${s.intended}  late ${s.late}  dropped ${s.dropped}`);
		}
		if (result.errors > 0) {
			const kinds = Object.entries(result.errorsByKind).filter(([, n]) => n > 0);
			lines.push(`errors: ${kinds.map(([k, n]) => `${k} ${n}`).join(", ")}`);
			for (const sample of result.errorSamples) lines.push(`  ${sample}`);
		}
		if (result.generator.saturated) lines.push(`warning: ${result.generator.reason}`);
		process.stdout.write(`${lines.join("\n")}\n`);
	}
	return result.requests > 0 && result.errors < result.requests ? 0 : 1;
});
