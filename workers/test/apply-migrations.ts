import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// The same numbered migrations that `wrangler d1 migrations apply` runs are
// applied to the test database before every test file.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
