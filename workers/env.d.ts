// Secrets are not in wrangler.toml, so `wrangler types` cannot see them.
// BENCH_TOKEN is optional: without it (local dev) every route is open; with it
// (production, `wrangler secret put BENCH_TOKEN`) routes need a bearer token.
interface BenchSecrets {
	BENCH_TOKEN?: string;
}
interface Env extends BenchSecrets {}
declare namespace Cloudflare {
	interface Env extends BenchSecrets {}
}
