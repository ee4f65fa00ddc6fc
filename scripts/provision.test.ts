import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { called, createFakeAccount, MUTATING } from "./fixtures/fake-account.ts";

const NAME = "workers-state-lab-production";
const accounts: ReturnType<typeof createFakeAccount>[] = [];
function account(...args: Parameters<typeof createFakeAccount>) {
	const created = createFakeAccount(...args);
	accounts.push(created);
	return created;
}
afterEach(() => {
	for (const created of accounts.splice(0)) created.cleanup();
});

/** Every file under `dir` whose content contains `needle`. */
function filesContaining(dir: string, needle: string): string[] {
	return readdirSync(dir, { recursive: true, encoding: "utf8" })
		.map((entry) => path.join(dir, entry))
		.filter((file) => statSync(file).isFile() && readFileSync(file, "utf8").includes(needle));
}

describe("npm run provision (against a fake wrangler)", () => {
	it("creates the resources once, reuses them on the next run, and keeps the secret out of every file", async () => {
		const fake = account();
		const original = readFileSync(fake.configPath, "utf8");

		const first = await fake.run("provision", []);
		expect(first.stderr).toBe("");
		expect(first.code).toBe(0);
		const state = fake.state();
		expect(state.kv.map((ns) => ns.title)).toEqual([NAME]);
		expect(state.d1.map((db) => db.name)).toEqual([NAME]);
		expect(state.r2.map((bucket) => bucket.name)).toEqual([NAME]);
		expect(state.d1[0]?.migrations).toBe(1);
		expect(state.workers[NAME]).toEqual({ deployed: true, secrets: ["BENCH_TOKEN"] });
		for (const create of [
			["kv", "namespace", "create", NAME],
			["d1", "create", NAME],
			["r2", "bucket", "create", NAME],
		]) {
			expect(first.calls.filter((argv) => argv.join(" ") === create.join(" "))).toHaveLength(1);
		}
		expect(first.stdout).toContain(`https://${NAME}.fake-subdomain.workers.dev`);

		// The ids land in [env.production]; everything that was in the file before is still there.
		const written = readFileSync(fake.configPath, "utf8");
		expect(written.startsWith(original.trimEnd())).toBe(true);
		expect(written).toContain(`id = "${state.kv[0]?.id}"`);
		expect(written).toContain(`database_id = "${state.d1[0]?.uuid}"`);

		// The token is printed once, went to wrangler on stdin, and is in no file but the fake's stdin log.
		const token = first.stdout.match(/^\s{4}([A-Za-z0-9_-]{43})$/m)?.[1];
		expect(token).toBeDefined();
		const secretPut = first.calls.find((argv) => argv[0] === "secret" && argv[1] === "put");
		expect(secretPut).toEqual([
			"secret",
			"put",
			"BENCH_TOKEN",
			"--env",
			"production",
			"--config",
			fake.configPath,
		]);
		expect(fake.stdinLog()).toEqual([{ argv: secretPut, stdin: token }]);
		expect(filesContaining(fake.dir, token as string)).toEqual([path.join(fake.dir, "stdin.log")]);
		expect(readFileSync(path.join(import.meta.dirname, "..", "wrangler.toml"), "utf8")).not.toContain(token);

		const second = await fake.run("provision", []);
		expect(second.code).toBe(0);
		expect(second.stdout).toContain(`KV namespace "${NAME}" exists`);
		for (const create of [
			["kv", "namespace", "create"],
			["d1", "create"],
			["r2", "bucket", "create"],
			["secret", "put"],
		]) {
			expect(called(second.calls, ...create)).toBe(false);
		}
		expect(called(second.calls, "d1", "migrations", "apply", NAME, "--remote")).toBe(true);
		expect(called(second.calls, "deploy", "--env", "production")).toBe(true);
		expect(second.stdout).toContain("BENCH_TOKEN is already set");
		expect(second.stdout).not.toContain(token);
		expect(readFileSync(fake.configPath, "utf8")).toBe(written);
		expect(fake.state().kv).toEqual(state.kv);
		expect(fake.state().d1[0]?.uuid).toBe(state.d1[0]?.uuid);

		const rotated = await fake.run("provision", ["--rotate-token"]);
		expect(rotated.code).toBe(0);
		const newToken = rotated.stdout.match(/^\s{4}([A-Za-z0-9_-]{43})$/m)?.[1];
		expect(newToken).toBeDefined();
		expect(newToken).not.toBe(token);
		expect(called(rotated.calls, "secret", "put", "BENCH_TOKEN")).toBe(true);
	});

	it("writes a production environment that wrangler reads back with every binding of the top level", async () => {
		const fake = account();
		expect((await fake.run("provision", [])).code).toBe(0);
		const state = fake.state();
		const { unstable_readConfig } = await import("wrangler");
		const top = unstable_readConfig({ config: fake.configPath });
		const production = unstable_readConfig({ config: fake.configPath, env: "production" });
		expect(production.name).toBe(NAME);
		expect(production.kv_namespaces).toEqual([{ binding: "KV", id: state.kv[0]?.id }]);
		expect(production.d1_databases).toEqual([
			{
				binding: "DB",
				database_name: NAME,
				database_id: state.d1[0]?.uuid,
				migrations_dir: "workers/migrations",
			},
		]);
		expect(production.r2_buckets).toEqual([{ binding: "BUCKET", bucket_name: NAME }]);
		expect(production.durable_objects.bindings).toEqual(top.durable_objects.bindings);
		expect(production.migrations).toEqual(top.migrations);
		expect(production.main).toBe(top.main);
	});

	it("stops at a failing step, says what was already created, and a rerun continues from there", async () => {
		const fake = account({ failOn: "r2 bucket create" });
		const before = fake.configHash();
		const failed = await fake.run("provision", []);
		expect(failed.code).toBe(1);
		expect(failed.stderr).toContain("provision stopped while creating the R2 bucket");
		expect(failed.stderr).toContain("simulated failure of `wrangler r2 bucket create");
		expect(failed.stderr).toMatch(
			/Already done before the failure:\n\s+- created KV namespace "workers-state-lab-production" \([0-9a-f]{32}\)\n\s+- created D1 database/,
		);
		expect(failed.stderr).toContain("run `npm run provision` again");
		expect(fake.configHash()).toBe(before);
		for (const later of [["d1", "migrations"], ["secret", "put"], ["deploy"]])
			expect(called(failed.calls, ...later)).toBe(false);

		fake.update((state) => {
			delete state.failOn;
		});
		const rerun = await fake.run("provision", []);
		expect(rerun.code).toBe(0);
		expect(called(rerun.calls, "kv", "namespace", "create")).toBe(false);
		expect(called(rerun.calls, "d1", "create")).toBe(false);
		expect(called(rerun.calls, "r2", "bucket", "create", NAME)).toBe(true);
		expect(fake.state().kv).toHaveLength(1);
	});

	it("--dry-run prints every command it would run, runs none that change anything, and leaves the file alone", async () => {
		const fake = account();
		const before = fake.configHash();
		const dry = await fake.run("provision", ["--dry-run"]);
		expect(dry.code).toBe(0);
		expect(fake.configHash()).toBe(before);
		for (const mutating of MUTATING) expect(called(dry.calls, ...mutating)).toBe(false);
		expect(fake.state()).toMatchObject({ kv: [], d1: [], r2: [], workers: {} });
		for (const line of [
			`would run: wrangler kv namespace create ${NAME}`,
			`would run: wrangler d1 create ${NAME}`,
			`would run: wrangler r2 bucket create ${NAME}`,
			`would run: wrangler d1 migrations apply ${NAME} --remote --env production --config ${fake.configPath}`,
			`would run: wrangler secret put BENCH_TOKEN --env production --config ${fake.configPath} < (value on stdin)`,
			`would run: wrangler deploy --env production --config ${fake.configPath}`,
			"[[env.production.kv_namespaces]]",
		]) {
			expect(dry.stdout).toContain(line);
		}
		expect(fake.stdinLog()).toEqual([]);
	});

	it("tells the user to log in when wrangler is not logged in, and changes nothing", async () => {
		const fake = account({ loggedIn: false });
		const before = fake.configHash();
		const run = await fake.run("provision", []);
		expect(run.code).toBe(1);
		expect(run.stderr).toContain("wrangler is not logged in, so nothing was created or changed");
		expect(run.stderr).toContain("npx wrangler login");
		expect(run.calls).toEqual([["whoami", "--json"]]);
		expect(fake.configHash()).toBe(before);
	});

	it("asks for CLOUDFLARE_ACCOUNT_ID when the login sees several accounts", async () => {
		const fake = account({
			accounts: [
				{ id: "acc1", name: "Personal" },
				{ id: "acc2", name: "Work" },
			],
		});
		const run = await fake.run("provision", []);
		expect(run.code).toBe(1);
		expect(run.stderr).toContain(
			"this login can see 2 accounts (Personal: acc1, Work: acc2); set CLOUDFLARE_ACCOUNT_ID",
		);
		expect(run.stderr).toContain("Nothing was created or changed");
		expect((await fake.run("provision", ["--dry-run"], { CLOUDFLARE_ACCOUNT_ID: "acc2" })).code).toBe(0);
	});

	it("rejects a name that R2 or D1 would refuse before calling wrangler", async () => {
		const fake = account();
		const run = await fake.run("provision", ["--name", "Bad_Name"]);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain('invalid --name "Bad_Name"');
		expect(run.calls).toEqual([]);
	});
});
