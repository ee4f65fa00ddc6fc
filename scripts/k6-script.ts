import type { LatencyOperationSpec } from "../bench/scenarios/latency-scenarios.ts";
import type { Profile } from "../bench/scenarios/profiles.ts";
import type { ScenarioContext } from "../bench/scenarios/scenario.ts";

/** What `bench:k6` needs to know about one latency operation beyond its request. */
interface OperationSetup {
	/** What setup() creates first: counters to read, sessions to read, or nothing. */
	prepare: "counters" | "sessions" | null;
	/** A store trait (from GET /api/stores) the operation needs; stores without it are skipped. */
	requires: "atomicIncrement" | null;
	/** Whether the operation's keys are counters that teardown() should delete. */
	deletesCounters: boolean;
}

/**
 * How each bench latency operation is prepared in k6. The request itself (method, path, body) is
 * taken from the bench's own spec, so the two cannot drift apart; an operation missing here is an
 * export error rather than a silently wrong script.
 */
const SETUP: Record<string, OperationSetup> = {
	health: { prepare: null, requires: null, deletesCounters: false },
	"counter-read": { prepare: "counters", requires: null, deletesCounters: true },
	"increment-atomic": { prepare: null, requires: "atomicIncrement", deletesCounters: true },
	"increment-naive": { prepare: null, requires: null, deletesCounters: true },
	"session-create": { prepare: null, requires: null, deletesCounters: false },
	"session-read": { prepare: "sessions", requires: null, deletesCounters: false },
};

/** Choices of one export (the CLI flags of `npm run bench:k6`). */
export interface K6ExportOptions {
	profile: Profile;
	stores: string[];
	/** Seconds each store's scenario runs. */
	durationS: number;
	/** Arrival rate (requests/s) of read operations; writes use the profile's production write rate. */
	readRate: number;
	/** k6 Cloud load zones (e.g. `amazon:jp:tokyo`) to split the load over evenly; none for a local `k6 run`. */
	loadZones: string[];
}

const STORE = "__k6_store__";
const ID = "__k6_id__";
const RUN = "__k6_run__";
const SEQ = 987_654_321;

/** The bench operation's request with placeholders, built by calling the spec itself. */
function requestTemplate(spec: LatencyOperationSpec): { method: string; path: string; body: string | null } {
	const context = { runPrefix: RUN, cleanup: { counter() {}, session() {} } } as unknown as ScenarioContext;
	const request = spec.request(STORE, SEQ, [ID], context, null);
	const body = request.body === undefined ? null : String(request.body);
	return { method: request.method, path: request.path, body };
}

/** A JavaScript template literal for `text` with the placeholders turned into expressions. */
function templateLiteral(text: string): string {
	const escaped = text.replaceAll("\\", "\\\\").replaceAll("`", "\\`").replaceAll("${", "\\${");
	const expression = (code: string) => `\${${code}}`;
	return `\`${escaped
		.replaceAll(STORE, expression("store"))
		.replaceAll(ID, expression("id"))
		.replaceAll(RUN, expression("data.run"))
		.replaceAll(String(SEQ), expression("seq"))}\``;
}

/**
 * One k6 TypeScript script for one latency operation: a `constant-arrival-rate` scenario per store
 * (one store after the other, tagged with store and operation), thresholds from the profile,
 * setup()/teardown() that create and delete what the requests need under a run prefix, and a
 * handleSummary() that writes k6's summary as JSON.
 */
export function renderK6Script(spec: LatencyOperationSpec, options: K6ExportOptions): string {
	const setup = SETUP[spec.operation];
	if (!setup) throw new Error(`bench:k6 does not know how to prepare the operation "${spec.operation}"`);
	const { profile } = options;
	const template = requestTemplate(spec);
	const rate = spec.writes ? profile.productionWriteRate : options.readRate;
	const preAllocatedVUs = Math.max(...profile.connectionLevels);
	const maxVUs = Math.max(preAllocatedVUs, Math.ceil((rate * profile.timeoutMs) / 1000));
	const gracefulStopS = Math.ceil(profile.timeoutMs / 1000);
	const units = spec.perStore ? options.stores : ["none"];
	const scenarios = units.map((store, index) => {
		const tags = spec.perStore
			? `{ store: "${store}", operation: "${spec.operation}" }`
			: `{ operation: "${spec.operation}" }`;
		return [
			`\t\t${JSON.stringify(store)}: {`,
			`\t\t\texecutor: "constant-arrival-rate",`,
			`\t\t\texec: "${execName(store)}",`,
			`\t\t\trate: ${rate},`,
			`\t\t\ttimeUnit: "1s",`,
			`\t\t\tduration: "${options.durationS}s",`,
			`\t\t\tstartTime: "${index * (options.durationS + gracefulStopS)}s",`,
			`\t\t\tgracefulStop: "${gracefulStopS}s",`,
			`\t\t\tpreAllocatedVUs: ${preAllocatedVUs},`,
			`\t\t\tmaxVUs: ${maxVUs},`,
			`\t\t\ttags: ${tags},`,
			"\t\t},",
		].join("\n");
	});
	// One submetric per store and operation for each figure the report reads from the summary.
	const submetricTags = spec.perStore
		? options.stores.map((store) => `store:${store},operation:${spec.operation}`)
		: [`operation:${spec.operation}`];
	const perStoreThresholds = submetricTags.flatMap((tags) => [
		`\t\t"http_req_duration{${tags}}": ["max>=0"],`,
		`\t\t"http_reqs{${tags}}": ["count>=0"],`,
		`\t\t"http_req_failed{${tags}}": ["rate>=0"],`,
		`\t\t"rate_limited{${tags}}": ["rate>=0"],`,
	]);
	const execFunctions = units.map(
		(store) =>
			`export function ${execName(store)}(data: SetupData): void {\n\titeration("${store}", data);\n}`,
	);
	const body = template.body === null ? "null" : templateLiteral(template.body);

	return `// Generated by \`npm run bench:k6\` from the bench scenario "${spec.operation}" (profile "${profile.name}").
// ${spec.description}
// Do not edit: export again instead. Run it with k6 (TypeScript needs no build step):
//   k6 run -e TARGET=https://your-worker.workers.dev -e BENCH_TOKEN=… ${spec.operation}.ts
// Every key and session it creates starts with a per-run prefix (k6-…); teardown() deletes the
// counters, and sessions expire after their TTL. handleSummary() writes k6's summary as JSON to
// SUMMARY_FILE (default ${spec.operation}-summary.json).
import { check } from "k6";
import exec from "k6/execution";
import http from "k6/http";
import { Rate } from "k6/metrics";
import type { Options } from "k6/options";

const TARGET = (__ENV.TARGET ?? "").replace(/\\/+$/, "");
const TOKEN = __ENV.BENCH_TOKEN ?? "";
const SUMMARY_FILE = __ENV.SUMMARY_FILE ?? "${spec.operation}-summary.json";
const OPERATION = "${spec.operation}";
const PROFILE = "${profile.name}";
const DURATION_S = ${options.durationS};
const STORES: string[] = ${JSON.stringify(spec.perStore ? options.stores : [])};
const RATE = ${rate};
const SESSIONS_TO_READ = ${profile.sessionsToRead};
const REQUEST_TIMEOUT = "${profile.timeoutMs}ms";

// A 429 is the platform's rate limiting (KV and R2 take about one write per second per key), not a
// store failure: it does not count in http_req_failed but in its own rate_limited metric.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 399 }, 429));
const rateLimited = new Rate("rate_limited");

export const options: Options = {
	scenarios: {
${scenarios.join("\n")}
	},
	thresholds: {
		// Profile "${profile.name}": failed requests (429s excluded) over all requests.
		http_req_failed: ["rate<${profile.thresholds.maxErrorRate}"],
		// Profile "${profile.name}": 429 answers over all requests.
		rate_limited: ["rate<${profile.thresholds.maxRateLimitedShare}"],
		// The bench fails a run whose load generator fell behind; k6's equivalent is dropped iterations.
		dropped_iterations: ["count<1"],
		// Always true: they make k6 report latency, requests, failures and 429s of each store separately
		// in the summary, which \`npm run report -- --k6-summary FILE\` reads.
${perStoreThresholds.join("\n")}
	},
	summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(99)", "p(99.9)"],
${renderCloud(options.loadZones)}};

interface SetupData {
	run: string;
	/** What \`npm run report -- --k6-summary\` needs to describe the run (k6 copies this into the summary). */
	plan: {
		operation: string;
		profile: string;
		target: string;
		startedAt: string;
		durationS: number;
		rate: number;
	};
	/** Per store: the ids the requests spread over (counter keys or session ids). */
	ids: Record<string, string[]>;
	/** Per store: why it is skipped (not offered by the Worker, or missing a needed trait). */
	skip: Record<string, string>;
}

interface StoreTraits {
	name: string;
	atomicIncrement: { supported: boolean };
	limits?: { writesPerSecondPerKey: number | null };
}

function params(): { headers: Record<string, string>; timeout: string } {
	const headers: Record<string, string> = { "content-type": "application/json" };
	if (TOKEN) headers.authorization = \`Bearer \${TOKEN}\`;
	return { headers, timeout: REQUEST_TIMEOUT };
}

export function setup(): SetupData {
	if (!TARGET) throw new Error("set the Worker's URL: k6 run -e TARGET=https://… -e BENCH_TOKEN=… script.ts");
	const run = \`k6-\${Math.random().toString(36).slice(2, 10)}\`;
	const answer = http.get(\`\${TARGET}/api/stores\`, params());
	if (answer.status !== 200) throw new Error(\`GET /api/stores answered \${answer.status}\`);
	const offered = (answer.json("stores") as unknown as StoreTraits[]) ?? [];
	const data: SetupData = {
		run,
		plan: {
			operation: OPERATION,
			profile: PROFILE,
			target: TARGET,
			startedAt: new Date().toISOString(),
			durationS: DURATION_S,
			rate: RATE,
		},
		ids: {},
		skip: {},
	};
	for (const store of STORES) {
		const traits = offered.find((entry) => entry.name === store);
		if (!traits) {
			data.skip[store] = "not offered by this Worker";
			continue;
		}
${
	setup.requires
		? `		if (!traits.${setup.requires}.supported) {
			data.skip[store] = "no ${setup.requires}";
			continue;
		}
`
		: ""
}		const perKeyLimit = traits.limits?.writesPerSecondPerKey ?? null;
		// Spread writes over enough keys that each sees at most half its documented per-key limit.
		const keyCount = ${spec.writes ? "perKeyLimit ? Math.ceil((RATE / perKeyLimit) * 2) : RATE" : `Math.max(4, ${preAllocatedVUs})`};
		const keys = Array.from({ length: keyCount }, (_, i) => \`\${run}-\${OPERATION}-\${store}-k6-\${i}\`);
${renderPrepare(setup.prepare)}
	}
	return data;
}

function iteration(store: string, data: SetupData): void {
	if (data.skip[store] !== undefined) return;
	const seq = exec.scenario.iterationInTest;
	const ids = data.ids[store] ?? [];
	const id = ids.length > 0 ? ids[seq % ids.length] : "";
	const response = http.request("${template.method}", \`\${TARGET}${templateLiteral(template.path).slice(1, -1)}\`, ${body}, params());
	rateLimited.add(response.status === 429);
	check(response, { "answered 2xx": (r) => r.status >= 200 && r.status < 300 });
}

${execFunctions.join("\n\n")}

export function teardown(data: SetupData): void {
${
	setup.deletesCounters
		? `	for (const [store, keys] of Object.entries(data.ids)) {
		for (const key of keys) http.del(\`\${TARGET}/api/\${store}/counters/\${key}\`, null, params());
	}`
		: setup.prepare === "sessions"
			? `	for (const [store, ids] of Object.entries(data.ids)) {
		for (const id of ids) http.del(\`\${TARGET}/api/\${store}/sessions/\${id}\`, null, params());
	}`
			: "	// Nothing to delete: sessions created during the run expire after their TTL."
}
}

export function handleSummary(summary: Record<string, unknown>): Record<string, string> {
	return {
		[SUMMARY_FILE]: JSON.stringify(summary, null, 2),
		stdout: \`\${OPERATION}: k6 summary written to \${SUMMARY_FILE}\\n\`,
	};
}
`;
}

/** `options.cloud.distribution` for k6 Cloud: the zones share the load evenly (integer percentages summing to 100). */
function renderCloud(zones: string[]): string {
	if (zones.length === 0) return "";
	const base = Math.floor(100 / zones.length);
	const lines = zones.map((zone, index) => {
		const percent = base + (index < 100 - base * zones.length ? 1 : 0);
		return `\t\t\t${JSON.stringify(zone)}: { loadZone: ${JSON.stringify(zone)}, percent: ${percent} },`;
	});
	return `\t// Used by \`k6 cloud run\` only: which load zones send the load, and how much each.\n\tcloud: {\n\t\tdistribution: {\n${lines.join("\n")}\n\t\t},\n\t},\n`;
}

function execName(store: string): string {
	return `run_${store.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

function renderPrepare(prepare: OperationSetup["prepare"]): string {
	if (prepare === "counters") {
		return `		for (const key of keys) {
			const put = http.put(\`\${TARGET}/api/\${store}/counters/\${key}\`, JSON.stringify({ value: 1 }), params());
			if (put.status !== 200) throw new Error(\`PUT counter on \${store} answered \${put.status}\`);
		}
		data.ids[store] = keys;`;
	}
	if (prepare === "sessions") {
		return `		const ids: string[] = [];
		for (let n = 0; n < SESSIONS_TO_READ; n++) {
			const created = http.post(
				\`\${TARGET}/api/\${store}/sessions\`,
				JSON.stringify({ data: { run, n }, ttlSeconds: 60 }),
				params(),
			);
			if (created.status !== 201) throw new Error(\`POST session on \${store} answered \${created.status}\`);
			ids.push(String(created.json("id")));
		}
		data.ids[store] = ids;`;
	}
	return "		data.ids[store] = keys;";
}
