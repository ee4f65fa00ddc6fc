/**
 * `npm run bench:k6 -- --out DIR`: write the bench's latency scenarios as k6 TypeScript scripts, one
 * per operation, to run on distributed load generators (k6 Cloud load zones, the k6 operator).
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { KNOWN_STORES } from "../bench/run/run-bench.ts";
import { LATENCY_OPERATIONS } from "../bench/scenarios/latency-scenarios.ts";
import { PROFILE_NAMES, PROFILES, type ProfileName } from "../bench/scenarios/profiles.ts";
import { SCENARIOS } from "../bench/scenarios/scenario-registry.ts";
import { renderK6Script } from "./k6-script.ts";

const HELP = `Usage: npm run bench:k6 -- --out DIR [--profile quick|standard|thorough] [--stores a,b] [--scenarios a,b] [--duration S] [--rate R]

Writes one k6 TypeScript script per latency scenario of the bench into DIR. Each script runs a
constant-arrival-rate scenario per store (one store after the other, tagged store and operation),
takes its thresholds from the profile, and writes k6's summary as JSON (handleSummary).

Options:
  --out DIR         where to write the scripts (required)
  --profile P       ${PROFILE_NAMES.join(", ")}: thresholds, write rate, timeouts [default standard]
  --stores a,b      ${KNOWN_STORES.join(", ")} [default all]
  --scenarios a,b   ${LATENCY_OPERATIONS.map((spec) => spec.operation).join(", ")} [default all]
                    (pubsub uses WebSockets and is not exported)
  --duration S      seconds each store runs [default 30]
  --rate R          requests/s of the read scenarios [default 20]; writes use the profile's
                    production write rate, spread over enough keys for the per-key limits
  --load-zones a,b  k6 Cloud load zones sharing the load evenly, e.g. amazon:jp:tokyo,amazon:us:ashburn
                    (written to options.cloud.distribution; ignored by a local \`k6 run\`)
  -h, --help        show this help

Run a script: k6 run -e TARGET=https://… -e BENCH_TOKEN=… DIR/counter-read.ts`;

function main(): Promise<number> | number {
	let values: Record<string, string | boolean | undefined>;
	try {
		({ values } = parseArgs({
			options: {
				out: { type: "string" },
				profile: { type: "string", default: "standard" },
				stores: { type: "string" },
				scenarios: { type: "string" },
				duration: { type: "string", default: "30" },
				rate: { type: "string", default: "20" },
				"load-zones": { type: "string" },
				help: { type: "boolean", short: "h" },
			},
		}));
	} catch (error) {
		return usage((error as Error).message);
	}
	if (values.help) {
		console.log(HELP);
		return 0;
	}
	const out = values.out;
	if (typeof out !== "string" || out === "") return usage("--out DIR is required");
	const profileName = values.profile as string;
	if (!(PROFILE_NAMES as readonly string[]).includes(profileName))
		return usage(`unknown --profile "${profileName}"`);
	const stores = list(values.stores) ?? [...KNOWN_STORES];
	const unknownStore = stores.find((store) => !(KNOWN_STORES as readonly string[]).includes(store));
	if (unknownStore) return usage(`unknown store "${unknownStore}"`);
	const names = list(values.scenarios) ?? LATENCY_OPERATIONS.map((spec) => spec.operation);
	for (const name of names) {
		if (LATENCY_OPERATIONS.some((spec) => spec.operation === name)) continue;
		return usage(
			SCENARIOS.some((scenario) => scenario.name === name)
				? `scenario "${name}" cannot be exported to k6 (only the latency scenarios can)`
				: `unknown scenario "${name}"`,
		);
	}
	const durationS = Number(values.duration);
	const readRate = Number(values.rate);
	if (!Number.isInteger(durationS) || durationS < 1)
		return usage("--duration must be a whole number of seconds ≥ 1");
	if (!Number.isFinite(readRate) || readRate <= 0) return usage("--rate must be a positive number");

	const loadZones = list(values["load-zones"]) ?? [];
	const badZone = loadZones.find((zone) => !/^[\w-]+:[\w-]+:[\w -]+$/.test(zone));
	if (badZone) return usage(`"${badZone}" is not a load zone like amazon:jp:tokyo`);
	if (loadZones.length > 100) return usage("at most 100 load zones");

	const options = { profile: PROFILES[profileName as ProfileName], stores, durationS, readRate, loadZones };
	return write(
		path.resolve(out),
		LATENCY_OPERATIONS.filter((spec) => names.includes(spec.operation)).map((spec) => ({
			file: `${spec.operation}.ts`,
			text: renderK6Script(spec, options),
		})),
	);
}

async function write(dir: string, files: { file: string; text: string }[]): Promise<number> {
	await mkdir(dir, { recursive: true });
	for (const { file, text } of files) {
		await writeFile(path.join(dir, file), text);
		console.log(`wrote ${path.join(dir, file)}`);
	}
	console.log(
		`\nRun one with: k6 run -e TARGET=https://… -e BENCH_TOKEN="$BENCH_TOKEN" ${path.join(dir, files[0]?.file ?? "")}`,
	);
	return 0;
}

function list(text: string | boolean | undefined): string[] | undefined {
	return typeof text === "string"
		? text
				.split(",")
				.map((item) => item.trim())
				.filter(Boolean)
		: undefined;
}

function usage(message: string): number {
	console.error(`bench:k6: ${message}\n\n${HELP}`);
	return 2;
}

process.exitCode = await main();
