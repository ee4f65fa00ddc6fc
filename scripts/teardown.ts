/**
 * `npm run teardown`: delete what `npm run provision` created (the Worker, KV namespace, D1
 * database and R2 bucket) and remove the `[env.production]` section from wrangler.toml.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import {
	findD1Database,
	findKvNamespace,
	hasR2Bucket,
	WranglerSession,
	whoami,
} from "./cloudflare-resources.ts";
import {
	loadProductionTarget,
	type ProductionTarget,
	replaceProductionSection,
} from "./production-config.ts";
import { WranglerError } from "./wrangler-cli.ts";

const HELP = `Usage: npm run teardown -- [options]

Deletes the production deployment made by \`npm run provision\`, with all its data:
  the Worker, the KV namespace, the D1 database and the R2 bucket (all named NAME),
  then removes the [env.production] section from wrangler.toml.

wrangler cannot list or bulk-delete R2 objects, and a bucket must be empty to be deleted. When the
bucket still holds objects, teardown adds a lifecycle rule that expires all of them within about a
day; run teardown again after that (or empty the bucket in the dashboard: R2 > bucket > Settings >
Empty bucket).

Options:
  --name NAME     what to delete (default: the name in [env.production], else "<name in wrangler.toml>-production")
  --config PATH   wrangler configuration file (default: wrangler.toml)
  --yes           do not ask for confirmation
  --dry-run       run only read-only wrangler commands and print the deleting ones; change nothing
  -h, --help      show this help

Exit status: 0 everything is gone, 1 a step failed (the message says what was already deleted),
2 bad usage, 3 only the R2 bucket is left, waiting for its objects to expire.`;

const GONE = /not found|does not exist|10090|10007/i;
const BUCKET_NOT_EMPTY = /not empty|10008/i;
const LIFECYCLE_RULE = "state-lab-teardown";

class StepFailure extends Error {}

async function main(): Promise<number> {
	let values: { name?: string; config?: string; yes?: boolean; "dry-run"?: boolean; help?: boolean };
	try {
		({ values } = parseArgs({
			options: {
				name: { type: "string" },
				config: { type: "string" },
				yes: { type: "boolean", short: "y" },
				"dry-run": { type: "boolean" },
				help: { type: "boolean", short: "h" },
			},
		}));
	} catch (error) {
		console.error(`${(error as Error).message}\n\n${HELP}`);
		return 2;
	}
	if (values.help) {
		console.log(HELP);
		return 0;
	}
	const configPath = path.resolve(values.config ?? "wrangler.toml");
	const dryRun = values["dry-run"] === true;
	const log = (line: string) => console.log(line);

	let loaded: ProductionTarget;
	try {
		loaded = await loadProductionTarget(configPath, values.name);
	} catch (error) {
		console.error(`✗ ${(error as Error).message}`);
		return 2;
	}
	const { configText, name } = loaded;

	const session = new WranglerSession({ dryRun, configPath, log });
	const done: string[] = [];
	const pending: string[] = [];
	log(`${dryRun ? "Dry run: nothing will be deleted. " : ""}Tearing down "${name}" (config: ${configPath})`);
	let step = "checking the wrangler login";
	try {
		const user = await whoami(session);
		if (!user && !dryRun) {
			console.error(
				"\n✗ wrangler is not logged in, so nothing was deleted.\n" +
					"  Log in with `npx wrangler login` (or set CLOUDFLARE_API_TOKEN), then run `npm run teardown` again.",
			);
			return 1;
		}
		const canList = user !== null;
		log(
			user
				? `  logged in${user.email ? ` as ${user.email}` : ""}`
				: "  not logged in: showing the plan as if every resource exists",
		);

		step = "asking for confirmation";
		if (!dryRun && !values.yes && !(await confirmed(name))) {
			console.error("Not confirmed: nothing was deleted.");
			return 1;
		}

		step = `deleting the Worker "${name}"`;
		const worker = await session.tryMutate({ args: ["delete", name, "--force"] });
		if (worker && worker.code !== 0) {
			if (!GONE.test(worker.stderr + worker.stdout))
				throw new WranglerError({ args: ["delete", name, "--force"] }, worker);
			log(`  ✓ Worker "${name}" does not exist`);
		} else if (worker) done.push(`deleted Worker "${name}"`);

		step = `deleting the KV namespace "${name}"`;
		const kvId = canList ? await findKvNamespace(session, name) : "<id>";
		if (!kvId) log(`  ✓ KV namespace "${name}" does not exist`);
		else if (
			await session.mutate({
				args: ["kv", "namespace", "delete", "--namespace-id", kvId, "--skip-confirmation"],
			})
		) {
			done.push(`deleted KV namespace "${name}" (${kvId})`);
		}

		step = `deleting the D1 database "${name}"`;
		const d1Id = canList ? await findD1Database(session, name) : "<id>";
		if (!d1Id) log(`  ✓ D1 database "${name}" does not exist`);
		else if (await session.mutate({ args: ["d1", "delete", name, "--skip-confirmation"] })) {
			done.push(`deleted D1 database "${name}" (${d1Id})`);
		}

		step = `deleting the R2 bucket "${name}"`;
		if (canList && !(await hasR2Bucket(session, name))) log(`  ✓ R2 bucket "${name}" does not exist`);
		else {
			const bucket = await session.tryMutate({ args: ["r2", "bucket", "delete", name] });
			if (!bucket)
				log(
					`    (if the bucket still holds objects: wrangler r2 bucket lifecycle add ${name} ${LIFECYCLE_RULE} --expire-days 1 --force)`,
				);
			else if (bucket.code === 0) done.push(`deleted R2 bucket "${name}"`);
			else if (BUCKET_NOT_EMPTY.test(bucket.stderr + bucket.stdout)) {
				await expireAllObjects(session, name);
				pending.push(
					`R2 bucket "${name}" still holds objects, which wrangler cannot list or delete in bulk. A lifecycle rule ` +
						`("${LIFECYCLE_RULE}") now expires all of them within about a day. Then run \`npm run teardown -- --name ${name}\` ` +
						"again, or empty the bucket now in the dashboard (R2 > bucket > Settings > Empty bucket) and run it at once.",
				);
			} else throw new WranglerError({ args: ["r2", "bucket", "delete", name] }, bucket);
		}

		step = `removing [env.production] from ${configPath}`;
		const nextText = replaceProductionSection(configText, null);
		if (nextText === configText)
			log(`  ✓ ${configPath} has no [env.production] section written by provision`);
		else if (dryRun) log(`  would remove the [env.production] section from ${configPath}`);
		else {
			await writeFile(configPath, nextText);
			done.push(`removed [env.production] from ${configPath}`);
		}
	} catch (error) {
		const reason =
			error instanceof WranglerError || error instanceof StepFailure
				? error.message
				: String((error as Error).stack ?? error);
		console.error(`\n✗ teardown stopped while ${step}:\n${reason.replace(/^/gm, "  ")}`);
		console.error(
			done.length
				? `\nAlready deleted before the failure:\n${done.map((line) => `  - ${line}`).join("\n")}`
				: "\nNothing was deleted before the failure.",
		);
		console.error("\nFix the cause above and run `npm run teardown` again: it skips what is already gone.");
		return 1;
	}

	if (dryRun) {
		log("\nDry run finished: nothing was deleted.");
		return 0;
	}
	log(done.length ? `\nDone:\n${done.map((line) => `  - ${line}`).join("\n")}` : "\nNothing left to delete.");
	if (pending.length) {
		log(`\nNot finished yet:\n${pending.map((line) => `  - ${line}`).join("\n")}`);
		return 3;
	}
	return 0;
}

/** Adds (once) a lifecycle rule that expires every object of the bucket after one day. */
async function expireAllObjects(session: WranglerSession, bucket: string): Promise<void> {
	const args = ["r2", "bucket", "lifecycle", "add", bucket, LIFECYCLE_RULE, "--expire-days", "1", "--force"];
	const result = await session.tryMutate({ args });
	if (result && result.code !== 0 && !/already exists/i.test(result.stderr + result.stdout)) {
		throw new WranglerError({ args }, result);
	}
}

/** Asks the user to type the name; refuses when there is no terminal to ask on. */
async function confirmed(name: string): Promise<boolean> {
	if (!process.stdin.isTTY) {
		throw new StepFailure(
			"teardown deletes data and needs a confirmation: run it in a terminal, or pass --yes",
		);
	}
	const readline = createInterface({ input: process.stdin, output: process.stdout });
	try {
		const answer = await readline.question(
			`\nThis deletes the Worker, KV namespace, D1 database and R2 bucket "${name}" with all their data.\nType the name to confirm: `,
		);
		return answer.trim() === name;
	} finally {
		readline.close();
	}
}

process.exitCode = await main();
