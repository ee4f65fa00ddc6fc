// `npm run bench:calibrate`: is our load engine a trustworthy measuring device?
// Starts a local `wrangler dev`, then measures `GET /api/health` with `bench:load`, Debian's `wrk`
// and `autocannon` one after the other (same connections, same duration), and prints the ratios.
// Target: our requests/s ≥ 0.9 × wrk's and our p50 within 15 % of wrk's.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startWranglerDev } from "../target/wrangler-dev.ts";
import { positiveNumber, runCli } from "./cli-errors.ts";

const HELP = `Usage: npm run bench:calibrate -- [--connections N] [--duration S] [--rounds R] [--url URL]

Compare bench:load with wrk (/usr/bin/wrk, one thread) and autocannon on GET /api/health.
Without --url it starts its own wrangler dev and stops it afterwards.

Options:
  --connections N   keep-alive connections for every tool   [default 10]
  --duration S      seconds per tool and round               [default 10]
  --rounds R        repeat the three tools R times, in turn  [default 3]
  --url URL         measure this URL instead of a fresh wrangler dev
  -h, --help        show this help
`;

interface Measurement {
	tool: string;
	rps: number;
	p50Us: number;
	p99Us: number;
}

const REPO_ROOT = resolve(import.meta.dirname, "../..");

function run(command: string, args: string[]): Promise<string> {
	return new Promise((resolveRun, reject) => {
		const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
		let out = "";
		let err = "";
		child.stdout.on("data", (c: Buffer) => {
			out += c.toString();
		});
		child.stderr.on("data", (c: Buffer) => {
			err += c.toString();
		});
		child.on("error", reject);
		child.on("exit", (code) =>
			code === 0 ? resolveRun(out) : reject(new Error(`${command} exited with ${code}:\n${out}${err}`)),
		);
	});
}

/** wrk prints latencies like `1.23ms`, `850.00us`, `1.01s`. */
function wrkDurationUs(text: string): number {
	const match = /^([0-9.]+)(us|ms|s)$/.exec(text);
	if (!match?.[1]) throw new Error(`cannot read wrk duration '${text}'`);
	const factor = { us: 1, ms: 1000, s: 1_000_000 }[match[2] as "us" | "ms" | "s"];
	return Number(match[1]) * factor;
}

async function ours(url: string, connections: number, duration: number): Promise<Measurement> {
	// Exactly as `npm run bench:load` runs it (package.json), V8 flag included.
	const out = await run(process.execPath, [
		"--optimize-for-size",
		"--import",
		"tsx",
		join(REPO_ROOT, "bench/cli/bench-load.ts"),
		"--url",
		url,
		"--connections",
		String(connections),
		"--duration",
		String(duration),
		"--warmup",
		"0",
		"--json",
	]);
	const result = JSON.parse(out) as { rps: number; latencyUs: { p50: number; p99: number } };
	return { tool: "bench:load", rps: result.rps, p50Us: result.latencyUs.p50, p99Us: result.latencyUs.p99 };
}

async function wrk(url: string, connections: number, duration: number): Promise<Measurement> {
	const out = await run("/usr/bin/wrk", ["-t1", `-c${connections}`, `-d${duration}s`, "--latency", url]);
	const rps = /Requests\/sec:\s+([0-9.]+)/.exec(out)?.[1];
	const p50 = /^\s+50%\s+(\S+)/m.exec(out)?.[1];
	const p99 = /^\s+99%\s+(\S+)/m.exec(out)?.[1];
	if (!rps || !p50 || !p99) throw new Error(`cannot read wrk output:\n${out}`);
	return { tool: "wrk -t1", rps: Number(rps), p50Us: wrkDurationUs(p50), p99Us: wrkDurationUs(p99) };
}

async function autocannon(url: string, connections: number, duration: number): Promise<Measurement> {
	const bin = join(REPO_ROOT, "node_modules/autocannon/autocannon.js");
	const out = await run(process.execPath, [
		bin,
		"-c",
		String(connections),
		"-d",
		String(duration),
		"--json",
		url,
	]);
	const result = JSON.parse(out) as { requests: { average: number }; latency: { p50: number; p99: number } };
	return {
		tool: "autocannon",
		rps: result.requests.average,
		p50Us: result.latency.p50 * 1000,
		p99Us: result.latency.p99 * 1000,
	};
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2
		? (sorted[mid] as number)
		: ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

await runCli(HELP, async (argv) => {
	const { values } = parseArgs({
		args: argv,
		options: {
			connections: { type: "string", default: "10" },
			duration: { type: "string", default: "10" },
			rounds: { type: "string", default: "3" },
			url: { type: "string" },
			help: { type: "boolean", short: "h", default: false },
		},
		strict: true,
		allowPositionals: false,
	});
	if (values.help) {
		process.stdout.write(HELP);
		return 0;
	}
	const connections = positiveNumber("--connections", values.connections, { integer: true, max: 1000 });
	const duration = positiveNumber("--duration", values.duration, { integer: true, max: 600 });
	const rounds = positiveNumber("--rounds", values.rounds, { integer: true, max: 20 });
	if (!existsSync("/usr/bin/wrk"))
		throw new Error("/usr/bin/wrk is missing: install Debian's wrk (apt-get install wrk)");

	const dev = values.url ? null : await startWranglerDev();
	const stop = async () => {
		await dev?.stop();
	};
	for (const signal of ["SIGINT", "SIGTERM"] as const) {
		process.once(signal, () => {
			void stop().then(() => process.exit(130));
		});
	}
	try {
		const url = values.url ?? `${dev?.url}/api/health`;
		process.stdout.write(
			`calibrating against ${url}: ${connections} connections, ${duration} s per tool, ${rounds} round(s)\n`,
		);
		// Wake the Worker up (first requests compile and warm workerd) before any tool is timed.
		await autocannon(url, connections, 2);
		const measured: Measurement[] = [];
		for (let round = 1; round <= rounds; round++) {
			for (const tool of [ours, wrk, autocannon]) {
				const m = await tool(url, connections, duration);
				measured.push(m);
				process.stdout.write(
					`  round ${round}  ${m.tool.padEnd(11)} ${m.rps.toFixed(0).padStart(7)} req/s   p50 ${(m.p50Us / 1000).toFixed(3)} ms   p99 ${(m.p99Us / 1000).toFixed(3)} ms\n`,
				);
			}
		}
		const summary = (tool: string) => {
			const rows = measured.filter((m) => m.tool === tool);
			return { rps: median(rows.map((m) => m.rps)), p50Us: median(rows.map((m) => m.p50Us)) };
		};
		const o = summary("bench:load");
		const w = summary("wrk -t1");
		const a = summary("autocannon");
		const rpsRatio = o.rps / w.rps;
		const p50Diff = (o.p50Us - w.p50Us) / w.p50Us;
		const pass = rpsRatio >= 0.9 && Math.abs(p50Diff) <= 0.15;
		process.stdout.write(
			[
				"",
				`bench:load / wrk        rps ${rpsRatio.toFixed(3)}   p50 ${(p50Diff * 100).toFixed(1)} %`,
				`bench:load / autocannon rps ${(o.rps / a.rps).toFixed(3)}   p50 ${(((o.p50Us - a.p50Us) / a.p50Us) * 100).toFixed(1)} %`,
				`verdict: ${pass ? "PASS" : "FAIL"} (target: rps ≥ 0.9 × wrk, p50 within ±15 % of wrk)`,
				"",
			].join("\n"),
		);
		return pass ? 0 : 1;
	} finally {
		await stop();
	}
});
