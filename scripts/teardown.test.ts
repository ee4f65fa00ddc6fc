import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { called, createFakeAccount, MUTATING } from "./fixtures/fake-account.ts";

const NAME = "workers-state-lab-production";
const accounts: ReturnType<typeof createFakeAccount>[] = [];
async function provisioned() {
	const fake = createFakeAccount();
	accounts.push(fake);
	const original = readFileSync(fake.configPath, "utf8");
	expect((await fake.run("provision", [])).code).toBe(0);
	return { fake, original };
}
afterEach(() => {
	for (const created of accounts.splice(0)) created.cleanup();
});

describe("npm run teardown (against a fake wrangler)", () => {
	it("deletes the Worker, KV namespace, D1 database and R2 bucket and gives back the original wrangler.toml", async () => {
		const { fake, original } = await provisioned();
		const kvId = fake.state().kv[0]?.id as string;
		const run = await fake.run("teardown", ["--yes"]);
		expect(run.stderr).toBe("");
		expect(run.code).toBe(0);
		expect(fake.state()).toMatchObject({ kv: [], d1: [], r2: [], workers: {} });
		expect(run.calls).toContainEqual(["delete", NAME, "--force"]);
		expect(run.calls).toContainEqual([
			"kv",
			"namespace",
			"delete",
			"--namespace-id",
			kvId,
			"--skip-confirmation",
		]);
		expect(run.calls).toContainEqual(["d1", "delete", NAME, "--skip-confirmation"]);
		expect(run.calls).toContainEqual(["r2", "bucket", "delete", NAME]);
		expect(readFileSync(fake.configPath, "utf8")).toBe(original);

		// Running it again finds nothing left and fails on nothing.
		const again = await fake.run("teardown", ["--yes"]);
		expect(again.code).toBe(0);
		expect(again.stdout).toContain(`Worker "${NAME}" does not exist`);
		expect(again.stdout).toContain("Nothing left to delete.");
	});

	it("leaves a lifecycle rule on a bucket that still holds objects, says so, and finishes on a later run", async () => {
		const { fake, original } = await provisioned();
		fake.update((state) => {
			if (state.r2[0]) state.r2[0].objects = 12;
		});
		const run = await fake.run("teardown", ["--yes"]);
		expect(run.code).toBe(3);
		expect(run.stdout).toContain(`R2 bucket "${NAME}" still holds objects`);
		expect(run.stdout).toContain(`npm run teardown -- --name ${NAME}`);
		expect(run.calls).toContainEqual([
			"r2",
			"bucket",
			"lifecycle",
			"add",
			NAME,
			"state-lab-teardown",
			"--expire-days",
			"1",
			"--force",
		]);
		expect(fake.state().r2).toEqual([
			{ name: NAME, objects: 12, lifecycleRules: [{ id: "state-lab-teardown", expireDays: 1 }] },
		]);
		expect(fake.state()).toMatchObject({ kv: [], d1: [], workers: {} });
		expect(readFileSync(fake.configPath, "utf8")).toBe(original);

		fake.update((state) => {
			if (state.r2[0]) state.r2[0].objects = 0;
		});
		const later = await fake.run("teardown", ["--yes", "--name", NAME]);
		expect(later.code).toBe(0);
		expect(fake.state().r2).toEqual([]);
	});

	it("--dry-run deletes nothing and leaves the file alone", async () => {
		const { fake } = await provisioned();
		const stateBefore = fake.state();
		const hashBefore = fake.configHash();
		const dry = await fake.run("teardown", ["--dry-run"]);
		expect(dry.code).toBe(0);
		for (const mutating of MUTATING) expect(called(dry.calls, ...mutating)).toBe(false);
		expect(dry.stdout).toContain(`would run: wrangler delete ${NAME} --force`);
		expect(dry.stdout).toContain(`would run: wrangler d1 delete ${NAME} --skip-confirmation`);
		expect(dry.stdout).toContain(`would remove the [env.production] section from ${fake.configPath}`);
		expect(fake.state()).toEqual(stateBefore);
		expect(fake.configHash()).toBe(hashBefore);
	});

	it("refuses to delete without --yes when there is no terminal to confirm on", async () => {
		const { fake } = await provisioned();
		const stateBefore = fake.state();
		const run = await fake.run("teardown", []);
		expect(run.code).toBe(1);
		expect(run.stderr).toContain("needs a confirmation: run it in a terminal, or pass --yes");
		expect(run.stderr).toContain("Nothing was deleted");
		expect(fake.state()).toEqual(stateBefore);
	});

	it("stops at a failing step and names what was already deleted", async () => {
		const { fake } = await provisioned();
		fake.update((state) => {
			state.failOn = "d1 delete";
		});
		const run = await fake.run("teardown", ["--yes"]);
		expect(run.code).toBe(1);
		expect(run.stderr).toContain(`teardown stopped while deleting the D1 database "${NAME}"`);
		expect(run.stderr).toMatch(
			/Already deleted before the failure:\n\s+- deleted Worker "workers-state-lab-production"\n\s+- deleted KV namespace/,
		);
		expect(fake.state().d1).toHaveLength(1);
		expect(readFileSync(fake.configPath, "utf8")).toContain("[env.production]");
	});

	it("tells the user to log in when wrangler is not logged in, and deletes nothing", async () => {
		const fake = createFakeAccount({ loggedIn: false });
		accounts.push(fake);
		const run = await fake.run("teardown", ["--yes"]);
		expect(run.code).toBe(1);
		expect(run.stderr).toContain("wrangler is not logged in, so nothing was deleted");
		expect(run.calls).toEqual([["whoami", "--json"]]);
	});
});
