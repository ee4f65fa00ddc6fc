import type { BenchResults, RunError } from "../../report/results-schema.ts";
import type { GeneratorHealth } from "../load/event-loop-monitor.ts";
import type { ApiStoreTraits, TargetClient, TargetInfo } from "../target/target-client.ts";
import type { Profile } from "./profiles.ts";

/** The result sections a scenario may fill (each is appended to, never replaced wholesale). */
export type ResultSections = Pick<
	BenchResults,
	| "latency"
	| "contention"
	| "linearizability"
	| "sessionGuarantees"
	| "visibility"
	| "sessionExpiry"
	| "pubsub"
>;

/** What a scenario reports while it runs (drives the progress line). */
export interface ScenarioProgress {
	/** A measured step starts: e.g. scenario `counter-read`, store `kv`, `8 connections`. */
	begin(step: { scenario: string; store: string | null; detail: string }): void;
	/** Once a second during a step. */
	tick(figures: { requests: number; errors: number; rps: number }): void;
	/** A step finished; `summary` is one short line. */
	end(summary: string): void;
	/** A remark worth printing (e.g. a skipped store). */
	note(message: string): void;
}

/** Ids created on the target, deleted after the run (never anything the run did not create). */
export interface CleanupList {
	counter(store: string, key: string): void;
	session(store: string, id: string): void;
}

/** Everything a scenario gets to do its work. */
export interface ScenarioContext {
	target: TargetInfo;
	client: TargetClient;
	/** Unique per run, e.g. `run-1a2b3c4d`; every key and channel a scenario creates starts with it. */
	runPrefix: string;
	/** The selected stores, with the traits the Worker reported. */
	stores: ApiStoreTraits[];
	profile: Profile;
	/** Aborted when the target dies or the user presses Ctrl-C: stop promptly. */
	signal: AbortSignal;
	progress: ScenarioProgress;
	cleanup: CleanupList;
	/** Record something that failed without stopping the run. */
	reportError(error: Omit<RunError, "at">): void;
	/** Record the colo (and one `cf-ray`) a response came from. */
	reportColo(cfRay: string | null, colo: string): void;
	/** Record how busy the load generator was during a measured step. */
	reportGenerator(health: GeneratorHealth): void;
	/**
	 * Let `task` run beside the scenarios that follow (e.g. a probe that has to wait out a 60 s TTL).
	 * The run waits for every background task before it cleans up and writes results; tasks must
	 * watch `signal` and stop promptly when it aborts. A task that rejects is reported as an error.
	 */
	background(scenario: string, task: Promise<void>): void;
}

/** A named, selectable scenario (`--scenarios name,…`). Scenarios are data plus one generic runner. */
export interface Scenario {
	name: string;
	description: string;
	run(context: ScenarioContext, results: ResultSections): Promise<void>;
}
