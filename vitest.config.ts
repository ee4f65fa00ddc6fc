import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig } from "vitest/config";

const migrations = await readD1Migrations("workers/migrations");

export default defineConfig({
	test: {
		projects: [
			{
				// Worker tests run inside workerd with real (local) KV, D1, R2,
				// Durable Objects and Cache API bindings taken from wrangler.toml.
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./wrangler.toml" },
						miniflare: { bindings: { TEST_MIGRATIONS: migrations } },
					}),
				],
				test: {
					name: "workers",
					include: ["workers/**/*.test.ts"],
					setupFiles: ["workers/test/apply-migrations.ts"],
					testTimeout: 20_000,
				},
			},
			{
				// Everything else (bench harness, report, scripts, end-to-end tests
				// against a real `wrangler dev`) runs in plain Node.
				test: {
					name: "node",
					include: ["bench/**/*.test.ts", "report/**/*.test.ts", "scripts/**/*.test.ts", "test/**/*.test.ts"],
					exclude: [...configDefaults.exclude, "test/load/**"],
					environment: "node",
					testTimeout: 120_000,
					hookTimeout: 120_000,
				},
			},
			{
				// Load figures (500 WebSocket subscribers, 64-way contention on the atomic increments)
				// against a real `wrangler dev`: minutes, not seconds, so `npm run test:load` runs them
				// on their own (CI runs both). Figures in docs/reliability.md.
				test: {
					name: "load",
					include: ["test/load/**/*.load.test.ts"],
					environment: "node",
					testTimeout: 300_000,
					hookTimeout: 120_000,
				},
			},
		],
	},
});
