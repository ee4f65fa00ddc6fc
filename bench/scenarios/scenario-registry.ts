// Every scenario `npm run bench` knows, in the order it runs them. `--scenarios a,b` picks by name.
// Adding a scenario is one object implementing `Scenario` plus one line here.

import { contentionScenario } from "./contention-scenario.ts";
import { LATENCY_OPERATIONS, latencyScenario } from "./latency-scenarios.ts";
import { pubsubScenario } from "./pubsub-scenario.ts";
import { registerWorkloadScenario } from "./register-workload-scenario.ts";
import type { Scenario } from "./scenario.ts";
import { sessionExpiryScenario } from "./session-expiry-scenario.ts";
import { sessionGuaranteesScenario } from "./session-guarantees-scenario.ts";
import { visibilityScenario } from "./visibility-scenario.ts";

export const SCENARIOS: Scenario[] = [
	// First: it starts long-TTL probes (KV's 60 s minimum) in the background beside everything below.
	sessionExpiryScenario,
	...LATENCY_OPERATIONS.map(latencyScenario),
	pubsubScenario,
	contentionScenario,
	registerWorkloadScenario,
	sessionGuaranteesScenario,
	visibilityScenario,
];
