import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CleanupRegistry } from "../bench/run/run-cleanup.ts";
import { measureContention } from "../bench/scenarios/contention-scenario.ts";
import { PROFILES, type Profile } from "../bench/scenarios/profiles.ts";
import { registerWorkloadScenario } from "../bench/scenarios/register-workload-scenario.ts";
import type { ResultSections, ScenarioContext } from "../bench/scenarios/scenario.ts";
import { sessionExpiryScenario } from "../bench/scenarios/session-expiry-scenario.ts";
import { sessionGuaranteesScenario } from "../bench/scenarios/session-guarantees-scenario.ts";
import { visibilityScenario } from "../bench/scenarios/visibility-scenario.ts";
import { TargetClient } from "../bench/target/target-client.ts";
import { startWranglerDev, type WranglerDev } from "../bench/target/wrangler-dev.ts";
import { parseResults, RESULTS_SCHEMA_VERSION, type RunError } from "../report/results-schema.ts";

// The consistency scenarios against a real `wrangler dev` (issue 5's acceptance): atomic increments
// on do, d1 and r2 lose nothing under 32-way contention; their register histories check `ok`; and
// every consistency section the scenarios write validates with the report's schema.

const STRONG = ["do", "d1", "r2"];
let dev: WranglerDev;
let client: TargetClient;
const errors: Array<Omit<RunError, "at">> = [];
/** Progress notes (e.g. the first failed increment), shown when an assertion fails. */
const notes: string[] = [];
// Aborted after each test, so a test that times out does not leave its clients hammering the target.
let controller = new AbortController();

beforeAll(async () => {
	dev = await startWranglerDev();
	client = new TargetClient(dev.url, undefined, 10_000);
});

afterEach(() => {
	controller.abort("test finished");
	controller = new AbortController();
});

afterAll(async () => {
	await dev?.stop();
});

async function contextFor(
	stores: string[],
	consistency: Partial<Profile["consistency"]>,
	kind: "local" | "production" = "local",
): Promise<ScenarioContext> {
	const base = PROFILES.quick;
	const background: Promise<void>[] = [];
	const offered = await client.stores();
	return {
		target: { kind, origin: dev.url, embedded: kind === "local" },
		client,
		runPrefix: `run-${randomBytes(4).toString("hex")}`,
		stores: offered.filter((s) => stores.includes(s.name)),
		profile: { ...base, consistency: { ...base.consistency, ...consistency } },
		signal: controller.signal,
		progress: { begin() {}, tick() {}, end() {}, note: (message) => notes.push(message) },
		cleanup: CleanupRegistry.none,
		reportError: (error) => errors.push(error),
		reportColo() {},
		reportGenerator() {},
		background: (_scenario, task) => background.push(task),
	};
}

describe("consistency scenarios against wrangler dev", () => {
	it("atomic increments on do, d1 and r2 lose nothing with 32 concurrent clients", {
		timeout: 240_000,
	}, async () => {
		// do and d1: 32 clients × 50 increments. R2's compare-and-swap loop lets one of the 32
		// contenders through at a time, with jittered backoff in between (about 8 increments/s
		// locally), so 1,600 would take minutes; 32 × 10 puts the same 32-way contention on it.
		const full = await contextFor(STRONG, { contention: { clients: 32, incrementsPerClient: 50 } });
		const r2 = await contextFor(STRONG, { contention: { clients: 32, incrementsPerClient: 10 } });
		// R2 mostly waits in backoff, so it runs beside do and d1.
		const [[onDo, onD1], onR2] = await Promise.all([
			(async () => [
				await measureContention(full, "do", "atomic"),
				await measureContention(full, "d1", "atomic"),
			])(),
			measureContention(r2, "r2", "atomic"),
		]);
		const why = () => `${JSON.stringify([onDo, onD1, onR2])}\n${notes.join("\n")}`;
		expect(onDo, why()).toMatchObject({ expected: 1600, final: 1600, lost: 0, errors: 0, retries: 0 });
		expect(onD1, why()).toMatchObject({ expected: 1600, final: 1600, lost: 0, errors: 0, retries: 0 });
		expect(onR2, why()).toMatchObject({ expected: 320, final: 320, lost: 0, errors: 0 });
		// The contention shows up as compare-and-swap retries instead of lost updates.
		expect(onR2?.retries).toBeGreaterThan(0);
		expect(errors).toEqual([]);
	});

	it("do, d1 and r2 register histories are linearizable; every section validates with parseResults", async () => {
		const context = await contextFor(["cache", "kv", ...STRONG], {
			registerWorkload: {
				clients: 6,
				operationsPerClient: 20,
				keys: 3,
				checkerTimeoutMs: 10_000,
				maxHistoryOperations: 2000,
			},
			contention: { clients: 4, incrementsPerClient: 10 },
		});
		const sections: ResultSections = {};
		await registerWorkloadScenario.run(context, sections);
		const linearizability = sections.linearizability ?? [];
		expect(linearizability.map((row) => row.store)).toEqual(["cache", "kv", ...STRONG]);
		for (const row of linearizability.filter((r) => STRONG.includes(r.store))) {
			expect(row.verdict, row.counterexample).toBe("ok");
			expect(row.operations).toBe(120);
			expect(row.history?.operations).toHaveLength(120);
		}
		// Naive stores are reported as they are: a verdict and, when illegal, a counterexample.
		for (const row of linearizability.filter((r) => !STRONG.includes(r.store))) {
			expect(["ok", "illegal"]).toContain(row.verdict);
			if (row.verdict === "illegal") expect(row.counterexample).toMatch(/not linearizable/);
		}

		await sessionGuaranteesScenario.run(context, sections);
		await visibilityScenario.run(context, sections);
		await sessionExpiryScenario.run(context, sections);
		for (const row of sections.sessionGuarantees ?? []) {
			expect(row.readYourWrites.checks, row.store).toBeGreaterThan(0);
			// One location, one copy: locally no store may show a stale read.
			expect(row.readYourWrites.violations, row.store).toBe(0);
			expect(row.monotonicReads.violations, row.store).toBe(0);
		}
		for (const row of sections.visibility ?? []) {
			expect(row.notVisible, row.store).toBe(0);
			expect(row.note).toMatch(/propagation delay/);
		}
		const expiry = sections.sessionExpiry ?? [];
		expect(expiry.find((r) => r.store === "kv")).toMatchObject({ probes: 0, expiredAfterMs: null });
		for (const row of expiry.filter((r) => r.store !== "kv")) {
			// Measured so that a negative error would be a definite early expiry.
			expect(row.errorMs, row.store).toBeGreaterThanOrEqual(0);
		}

		const now = new Date().toISOString();
		const results = parseResults(
			JSON.parse(
				JSON.stringify({
					schemaVersion: RESULTS_SCHEMA_VERSION,
					source: "bench",
					run: {
						startedAt: now,
						finishedAt: now,
						durationS: 0,
						profile: "quick",
						configHash: "sha256:e2e",
						config: {},
						target: { kind: "local", url: dev.url },
						environment: { node: process.version, os: process.platform, cpu: "test", cores: 1 },
					},
					...sections,
					contention: [await measureContention(context, "kv", "naive")],
					thresholds: [],
					errors: [],
					verdict: { completed: true, passed: true, summary: "e2e" },
				}),
			),
		);
		expect(results.linearizability).toHaveLength(5);
		expect(results.sessionGuarantees).toHaveLength(5);
		expect(results.visibility).toHaveLength(5);
		expect(results.sessionExpiry).toHaveLength(5);
		expect(results.contention?.[0]).toMatchObject({ store: "kv", mode: "naive", expected: 40 });
		expect(errors).toEqual([]);
	});
	it("the production t-visibility path asks the Worker's regional probes (which answer from one place locally)", async () => {
		// Labelled production so the scenario takes the production path (probes, per-key write pacing);
		// the Worker still sees a localhost URL, so every probe answers colo "local".
		const regions = ["wnam", "weur", "apac"];
		const context = await contextFor(
			["kv", "do"],
			{ visibility: { writes: 2, readers: 2, timeoutMs: 2000, regions } },
			"production",
		);
		const sections: ResultSections = {};
		await visibilityScenario.run(context, sections);
		expect(errors).toEqual([]);
		for (const row of sections.visibility ?? []) {
			expect(row.samples, row.store).toBe(4);
			expect(row.note).toBeUndefined();
			expect(row.locations?.map((l) => l.region)).toEqual(regions);
			for (const location of row.locations ?? []) {
				expect(location.colo).toBe("local");
				expect(location.ms).toBeGreaterThanOrEqual(0);
			}
		}
		expect(sections.visibility?.map((r) => r.store)).toEqual(["kv", "do"]);
	});
});
