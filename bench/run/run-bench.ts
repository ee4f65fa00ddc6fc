import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { join, resolve } from "node:path";
import { renderReport } from "../../report/render-report.ts";
import {
	type BenchResults,
	parseResults,
	RESULTS_SCHEMA_VERSION,
	type GeneratorHealth as ResultsGeneratorHealth,
	type RunError,
	type StoreTraits,
} from "../../report/results-schema.ts";
import type { GeneratorHealth } from "../load/event-loop-monitor.ts";
import type { ProgressOutput } from "../output/progress.ts";
import { PROFILE_NAMES, PROFILES, type ProfileName } from "../scenarios/profiles.ts";
import type { ResultSections, ScenarioContext } from "../scenarios/scenario.ts";
import { SCENARIOS } from "../scenarios/scenario-registry.ts";
import { type ApiStoreTraits, isLocalHost, TargetClient, type TargetInfo } from "../target/target-client.ts";
import { startWranglerDev, type WranglerDev } from "../target/wrangler-dev.ts";
import { startHealthWatchdog } from "./health-watchdog.ts";
import { CleanupRegistry } from "./run-cleanup.ts";
import { decideVerdict, evaluateThresholds } from "./thresholds.ts";

/** The store names DESIGN.md defines (the target's `GET /api/stores` has the final say). */
export const KNOWN_STORES = ["cache", "kv", "do", "d1", "r2"] as const;

const REPO_ROOT = resolve(import.meta.dirname, "../..");

/** A configuration mistake found before anything is started (maps to a usage error). */
export class BenchConfigError extends Error {
	override name = "BenchConfigError";
}

export interface BenchOptions {
	/** Base URL of a running Worker; omitted = start an embedded `wrangler dev`. */
	target?: string;
	/** Port for the embedded `wrangler dev` (a free one when omitted); not allowed with `target`. */
	port?: number;
	token?: string;
	profile?: string;
	stores?: string[];
	scenarios?: string[];
	/** Output directory; omitted = `bench-results/<timestamp>/` plus a copy at `bench-results/latest/`. */
	out?: string;
	progress: ProgressOutput;
	/** Aborted on Ctrl-C: the run stops, writes what it has and stops wrangler. */
	signal?: AbortSignal;
}

/** The validated, normalized configuration (what the config hash covers; never the token). */
export interface ResolvedConfig {
	target: { kind: "local" | "production"; url: string | null; embedded: boolean };
	profile: ProfileName;
	stores: string[];
	scenarios: string[];
}

export interface BenchOutcome {
	results: BenchResults;
	outDir: string;
	resultsPath: string;
	reportPath: string | null;
}

/** Validate options before anything starts; throws {@link BenchConfigError} with a clear message. */
export function resolveConfig(
	options: Pick<BenchOptions, "target" | "port" | "token" | "profile" | "stores" | "scenarios">,
) {
	if (options.port !== undefined) {
		if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65_535) {
			throw new BenchConfigError(`--port must be a whole number from 1 to 65535, not '${options.port}'`);
		}
		if (options.target !== undefined) {
			throw new BenchConfigError(
				"--port sets the port of the embedded wrangler dev, so it cannot be combined with --target",
			);
		}
	}
	const profile = (options.profile ?? "standard") as ProfileName;
	if (!PROFILE_NAMES.includes(profile)) {
		throw new BenchConfigError(
			`unknown profile '${options.profile}': choose one of ${PROFILE_NAMES.join(", ")}`,
		);
	}
	const stores = options.stores ?? [...KNOWN_STORES];
	const unknownStores = stores.filter((s) => !(KNOWN_STORES as readonly string[]).includes(s));
	if (unknownStores.length > 0 || stores.length === 0) {
		throw new BenchConfigError(
			`unknown store(s) ${unknownStores.map((s) => `'${s}'`).join(", ") || "(none given)"}: choose from ${KNOWN_STORES.join(", ")}`,
		);
	}
	const scenarioNames = SCENARIOS.map((s) => s.name);
	const scenarios = options.scenarios ?? scenarioNames;
	const unknownScenarios = scenarios.filter((s) => !scenarioNames.includes(s));
	if (unknownScenarios.length > 0 || scenarios.length === 0) {
		throw new BenchConfigError(
			`unknown scenario(s) ${unknownScenarios.map((s) => `'${s}'`).join(", ") || "(none given)"}: choose from ${scenarioNames.join(", ")}`,
		);
	}
	let target: ResolvedConfig["target"] = { kind: "local", url: null, embedded: true };
	if (options.target !== undefined) {
		let url: URL;
		try {
			url = new URL(options.target);
		} catch {
			throw new BenchConfigError(
				`--target '${options.target}' is not a URL (expected e.g. https://my-worker.example.workers.dev)`,
			);
		}
		if (url.protocol !== "http:" && url.protocol !== "https:") {
			throw new BenchConfigError(`--target must be http:// or https://, not '${url.protocol}'`);
		}
		const local = isLocalHost(url);
		if (!local && !options.token) {
			throw new BenchConfigError(
				`--target ${url.origin} is not local, so --token is required (the Worker's BENCH_TOKEN secret); ` +
					"a deployed Worker must not accept writes from strangers",
			);
		}
		target = { kind: local ? "local" : "production", url: url.origin, embedded: false };
	}
	const config: ResolvedConfig = {
		target,
		profile,
		// Keep the registry's order whatever order the user typed.
		stores: KNOWN_STORES.filter((s) => stores.includes(s)),
		scenarios: scenarioNames.filter((s) => scenarios.includes(s)),
	};
	return config;
}

/** sha256 of the normalized config plus the profile's parameters. */
export function configHash(config: ResolvedConfig): string {
	const normalized = JSON.stringify({ ...config, profileParameters: PROFILES[config.profile] });
	return `sha256:${createHash("sha256").update(normalized).digest("hex")}`;
}

function gitCommit(): string | null {
	try {
		return execFileSync("git", ["rev-parse", "HEAD"], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "ignore"] })
			.toString()
			.trim();
	} catch {
		return null;
	}
}

function wranglerVersion(): string | null {
	try {
		const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "node_modules/wrangler/package.json"), "utf8"));
		return String(pkg.version);
	} catch {
		return null;
	}
}

function toResultsTraits(traits: ApiStoreTraits): StoreTraits {
	return {
		name: traits.name,
		consistencyModel: traits.consistency,
		atomicIncrement: traits.atomicIncrement.supported,
		compareAndSwap: traits.compareAndSwap.supported,
		localCaveats: traits.localDevCaveats ?? [],
	};
}

function aggregateGenerator(steps: GeneratorHealth[]): ResultsGeneratorHealth | undefined {
	if (steps.length === 0) return undefined;
	const max = (pick: (g: GeneratorHealth) => number) => Math.max(...steps.map(pick));
	const saturated = steps.filter((g) => g.saturated);
	const worst = max((g) => g.eventLoopDelayMs.p99);
	return {
		eventLoopLagMs: {
			p50: max((g) => g.eventLoopDelayMs.p50),
			p99: worst,
			max: max((g) => g.eventLoopDelayMs.max),
		},
		saturated: saturated.length > 0,
		warnings:
			saturated.length > 0
				? [
						`the load generator's event loop lagged in ${saturated.length} of ${steps.length} measured steps ` +
							`(worst p99 ${worst} ms): latencies of those steps include client-side delay; ` +
							"run on a quieter machine or with fewer connections",
					]
				: [],
	};
}

function timestampDir(date: Date): string {
	return date
		.toISOString()
		.replace(/\.\d+Z$/, "Z")
		.replace(/:/g, "-");
}

/**
 * Run the bench: set up the target, run the selected scenarios, clean up, evaluate thresholds,
 * and write `results.json` (validated with the report's schema) and `report.html`.
 * Always writes results — also when the target dies or the run is interrupted — and always stops
 * the embedded `wrangler dev`.
 */
export async function runBench(options: BenchOptions): Promise<BenchOutcome> {
	const config = resolveConfig(options);
	const profile = PROFILES[config.profile];
	const progress = options.progress;
	const started = new Date();
	const runPrefix = `run-${randomBytes(4).toString("hex")}`;
	const outDir = resolve(options.out ?? join(REPO_ROOT, "bench-results", timestampDir(started)));
	const latestDir = options.out === undefined ? join(REPO_ROOT, "bench-results", "latest") : null;

	const controller = new AbortController();
	const abort = (reason: string) => {
		if (!controller.signal.aborted) controller.abort(reason);
	};
	const onExternalAbort = () => abort(String(options.signal?.reason ?? "interrupted"));
	options.signal?.addEventListener("abort", onExternalAbort, { once: true });
	if (options.signal?.aborted) onExternalAbort();

	const errors: RunError[] = [];
	const reportError = (error: Omit<RunError, "at">) => {
		errors.push({ ...error, at: new Date().toISOString() });
		progress.line(`error: ${error.kind}${error.store ? ` (${error.store})` : ""}: ${error.message}`);
	};
	const sections: ResultSections = {};
	const generatorSteps: GeneratorHealth[] = [];
	let colo: string | null = null;
	let cfRay: string | null = null;
	let storeTraits: ApiStoreTraits[] = [];
	let dev: WranglerDev | null = null;
	let stoppingDev = false;
	const cleanup = new CleanupRegistry();
	let target: TargetInfo = {
		kind: config.target.kind,
		origin: config.target.url ?? "",
		embedded: config.target.embedded,
	};

	try {
		if (config.target.embedded) {
			progress.line("starting wrangler dev (local, throw-away state)…");
			// startWranglerDev applies the D1 migrations to the throw-away state before starting.
			dev = await startWranglerDev({ port: options.port });
			target = { ...target, origin: dev.url };
			progress.line(`wrangler dev is up at ${dev.url}`);
			void dev.exited.then((code) => {
				if (!stoppingDev) abort(`wrangler dev exited unexpectedly (exit code ${code})`);
			});
		}
		const client = new TargetClient(target.origin, options.token, profile.timeoutMs);
		const offered = await client.stores(controller.signal);
		storeTraits = offered.filter((s) => config.stores.includes(s.name));
		// GET /api/stores needs no token; one store read does. Fail fast on a wrong or missing token
		// instead of measuring a few thousand 401s.
		const probeStore = storeTraits[0]?.name ?? offered[0]?.name;
		if (probeStore) {
			const probe = await client.call(
				"GET",
				`/api/${probeStore}/counters/${runPrefix}-auth`,
				undefined,
				controller.signal,
			);
			if (probe.status === 401) {
				throw new Error(
					options.token
						? "the target refused the token (401): check --token against the Worker's BENCH_TOKEN"
						: "the target requires a token (401): pass --token with the Worker's BENCH_TOKEN",
				);
			}
		}
		for (const name of config.stores) {
			if (!offered.some((s) => s.name === name)) {
				reportError({
					store: name,
					kind: "store_not_offered",
					message: `the target does not offer store '${name}'`,
				});
			}
		}
		const watchdog = startHealthWatchdog(client, (reason) => abort(reason));
		const backgroundTasks: Promise<void>[] = [];
		let backgroundPending = 0;
		const context: ScenarioContext = {
			target,
			client,
			runPrefix,
			stores: storeTraits,
			profile,
			signal: controller.signal,
			progress,
			cleanup: target.embedded ? CleanupRegistry.none : cleanup,
			reportError,
			reportGenerator: (health) => generatorSteps.push(health),
			reportColo: (ray, seen) => {
				cfRay ??= ray;
				colo ??= seen;
			},
			background: (scenario, task) => {
				backgroundPending++;
				backgroundTasks.push(
					task
						.catch((error) => {
							if (controller.signal.aborted) return;
							reportError({
								scenario,
								kind: "scenario_failed",
								message: error instanceof Error ? error.message : String(error),
							});
						})
						.finally(() => backgroundPending--),
				);
			},
		};
		try {
			for (const scenario of SCENARIOS.filter((s) => config.scenarios.includes(s.name))) {
				if (controller.signal.aborted) break;
				try {
					await scenario.run(context, sections);
				} catch (error) {
					if (controller.signal.aborted) break;
					reportError({
						scenario: scenario.name,
						kind: "scenario_failed",
						message: error instanceof Error ? error.message : String(error),
					});
				}
			}
		} finally {
			if (backgroundPending > 0)
				progress.line(`waiting for ${backgroundPending} background task(s) to finish…`);
			await Promise.all(backgroundTasks);
			watchdog.stop();
		}
		if (!target.embedded && !controller.signal.aborted && cleanup.size > 0) {
			progress.line(`cleaning up ${cleanup.size} keys and sessions under ${runPrefix}…`);
			const failed = await cleanup.run(client);
			if (failed > 0) {
				reportError({
					kind: "cleanup_incomplete",
					message: `${failed} deletes under ${runPrefix} failed; delete them by hand`,
				});
			}
		} else if (!target.embedded && cleanup.size > 0) {
			progress.line(
				`left ${cleanup.size} keys and sessions under ${runPrefix} (run interrupted; not cleaned up)`,
			);
		}
	} catch (error) {
		// fetch() only says "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND, a timeout…).
		const cause = (error as { cause?: { code?: string; message?: string } }).cause;
		const base = error instanceof Error ? error.message : String(error);
		const message =
			base === "fetch failed" && cause
				? `cannot reach ${target.origin || "the target"} (${cause.code ?? cause.message}): is the Worker running there?`
				: base;
		if (!controller.signal.aborted) reportError({ kind: "target_failed", message });
	} finally {
		progress.stop();
		options.signal?.removeEventListener("abort", onExternalAbort);
		if (dev) {
			progress.line("stopping wrangler dev…");
			stoppingDev = true;
			await dev.stop();
		}
	}

	const aborted = controller.signal.aborted ? String(controller.signal.reason) : null;
	if (aborted) errors.push({ kind: "run_aborted", message: aborted, at: new Date().toISOString() });
	const generator = aggregateGenerator(generatorSteps);
	const stepCounts = {
		total: generatorSteps.length,
		saturated: generatorSteps.filter((g) => g.saturated).length,
	};
	const measured = { ...sections, generator, errors, generatorSteps: stepCounts };
	const thresholds = evaluateThresholds(measured, profile);
	const verdict = decideVerdict(thresholds, errors, aborted);
	const finished = new Date();
	const draft: BenchResults = {
		schemaVersion: RESULTS_SCHEMA_VERSION,
		source: "bench",
		run: {
			startedAt: started.toISOString(),
			finishedAt: finished.toISOString(),
			durationS: Math.round((finished.getTime() - started.getTime()) / 100) / 10,
			profile: config.profile,
			configHash: configHash(config),
			config: { ...config, runPrefix, profileParameters: profile },
			target: {
				kind: target.kind,
				url: target.origin || (config.target.url ?? "embedded wrangler dev"),
				colo,
				cfRay,
			},
			environment: {
				node: process.version,
				wrangler: target.kind === "local" ? wranglerVersion() : null,
				os: `${process.platform} ${release()}`,
				cpu: cpus()[0]?.model ?? "unknown",
				cores: cpus().length,
				gitCommit: gitCommit(),
			},
		},
		stores: storeTraits.map(toResultsTraits),
		...sections,
		...(generator ? { generator } : {}),
		thresholds,
		errors,
		verdict,
	};
	const results = parseResults(JSON.parse(JSON.stringify(draft)));

	mkdirSync(outDir, { recursive: true });
	const resultsPath = join(outDir, "results.json");
	writeFileSync(resultsPath, `${JSON.stringify(results, null, "\t")}\n`);
	let reportPath: string | null = join(outDir, "report.html");
	try {
		writeFileSync(reportPath, renderReport(results));
	} catch (error) {
		progress.line(
			`note: report.html was not written (${error instanceof Error ? error.message : String(error)})`,
		);
		reportPath = null;
	}
	if (latestDir) {
		rmSync(latestDir, { recursive: true, force: true });
		cpSync(outDir, latestDir, { recursive: true });
	}
	return { results, outDir, resultsPath, reportPath };
}
