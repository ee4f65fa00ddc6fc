// Every scenario `npm run bench` knows, in the order it runs them. `--scenarios a,b` picks by name.
// Adding a scenario is one object implementing `Scenario` plus one line here.

import { LATENCY_OPERATIONS, latencyScenario } from "./latency-scenarios.ts";
import { pubsubScenario } from "./pubsub-scenario.ts";
import type { Scenario } from "./scenario.ts";

export const SCENARIOS: Scenario[] = [...LATENCY_OPERATIONS.map(latencyScenario), pubsubScenario];
