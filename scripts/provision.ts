/**
 * `npm run provision`: create (or reuse) the production KV namespace, D1 database and R2 bucket,
 * write their ids into `[env.production]` of wrangler.toml, apply the D1 migrations remotely, set
 * the BENCH_TOKEN secret and deploy. Safe to run again: everything that exists is reused.
 */
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
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
	renderProductionSection,
	replaceProductionSection,
} from "./production-config.ts";
import { parseJsonOutput, WranglerError } from "./wrangler-cli.ts";

const HELP = `Usage: npm run provision -- [options]

Creates, or reuses when they already exist, everything the Worker needs in your Cloudflare
account, then deploys it as the "production" environment:
  1. checks that wrangler is logged in (wrangler whoami)
  2. KV namespace, D1 database and R2 bucket, all named NAME
  3. writes their ids into an [env.production] section of wrangler.toml (the rest of the file is kept)
  4. applies the D1 migrations remotely
  5. generates a BENCH_TOKEN, stores it as a Worker secret (sent to wrangler on stdin) and prints it
     once; an existing BENCH_TOKEN is kept unless --rotate-token is given
  6. deploys (wrangler deploy --env production) and prints the URL

Options:
  --name NAME       name of the Worker and of the three resources
                    (default: the name already in [env.production], else "<name in wrangler.toml>-production")
  --config PATH     wrangler configuration file to read and update (default: wrangler.toml)
  --rotate-token    replace an existing BENCH_TOKEN with a new one
  --dry-run         run only read-only wrangler commands; print every other command it would run;
                    change no file and nothing in your account
  -h, --help        show this help

wrangler is the project's own (node_modules/wrangler); set STATE_LAB_WRANGLER to a command on PATH
or a path to use another one. Log in first with \`npx wrangler login\` or set CLOUDFLARE_API_TOKEN
(and CLOUDFLARE_ACCOUNT_ID when the token can see several accounts).`;

class StepFailure extends Error {}

async function main(): Promise<number> {
	let values: {
		name?: string;
		config?: string;
		"rotate-token"?: boolean;
		"dry-run"?: boolean;
		help?: boolean;
	};
	try {
		({ values } = parseArgs({
			options: {
				name: { type: "string" },
				config: { type: "string" },
				"rotate-token": { type: "boolean" },
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
	const done: string[] = [];

	let loaded: ProductionTarget;
	try {
		loaded = await loadProductionTarget(configPath, values.name);
	} catch (error) {
		console.error(`✗ ${(error as Error).message}`);
		return 2;
	}
	const { configText, config: topLevel, name } = loaded;

	const session = new WranglerSession({ dryRun, configPath, log });
	log(
		`${dryRun ? "Dry run: nothing will be created or changed. " : ""}Provisioning "${name}" (config: ${configPath})`,
	);
	let step = "checking the wrangler login";
	try {
		log("\n1. wrangler login");
		const user = await whoami(session);
		if (!user && !dryRun) {
			console.error(
				"\n✗ wrangler is not logged in, so nothing was created or changed.\n" +
					"  Log in with `npx wrangler login` (or set CLOUDFLARE_API_TOKEN, and CLOUDFLARE_ACCOUNT_ID),\n" +
					"  then run `npm run provision` again.",
			);
			return 1;
		}
		if (user && user.accounts.length > 1 && !process.env.CLOUDFLARE_ACCOUNT_ID) {
			throw new StepFailure(
				`this login can see ${user.accounts.length} accounts (${user.accounts.map((a) => `${a.name}: ${a.id}`).join(", ")}); ` +
					"set CLOUDFLARE_ACCOUNT_ID to the one to use",
			);
		}
		// Without a login a dry run cannot list what exists, so it shows the plan for an empty account.
		const canList = user !== null;
		log(
			user
				? `  logged in${user.email ? ` as ${user.email}` : ""}`
				: "  not logged in: showing the plan for an empty account",
		);

		step = "creating the KV namespace";
		log("\n2. resources");
		let kvId = canList ? await findKvNamespace(session, name) : undefined;
		if (kvId) log(`  ✓ KV namespace "${name}" exists (${kvId}): reusing it`);
		else if (await session.mutate({ args: ["kv", "namespace", "create", name] })) {
			kvId = await findKvNamespace(session, name);
			if (!kvId)
				throw new StepFailure(`wrangler created KV namespace "${name}" but it is missing from the list`);
			done.push(`created KV namespace "${name}" (${kvId})`);
		}

		step = "creating the D1 database";
		let d1Id = canList ? await findD1Database(session, name) : undefined;
		if (d1Id) log(`  ✓ D1 database "${name}" exists (${d1Id}): reusing it`);
		else if (await session.mutate({ args: ["d1", "create", name] })) {
			d1Id = await findD1Database(session, name);
			if (!d1Id)
				throw new StepFailure(`wrangler created D1 database "${name}" but it is missing from the list`);
			done.push(`created D1 database "${name}" (${d1Id})`);
		}

		step = "creating the R2 bucket";
		if (canList && (await hasR2Bucket(session, name))) log(`  ✓ R2 bucket "${name}" exists: reusing it`);
		else if (await session.mutate({ args: ["r2", "bucket", "create", name] }))
			done.push(`created R2 bucket "${name}"`);

		step = `writing [env.production] to ${configPath}`;
		log(`\n3. [env.production] in ${configPath}`);
		const section = renderProductionSection(topLevel, {
			name,
			kvNamespaceId: kvId ?? "<id of the new KV namespace>",
			d1DatabaseId: d1Id ?? "<id of the new D1 database>",
		});
		const nextText = replaceProductionSection(configText, section);
		if (nextText === configText) log("  ✓ already up to date");
		else if (dryRun) log(`  would write:\n${section.replace(/^/gm, "    ")}`);
		else {
			await writeFile(configPath, nextText);
			done.push(`wrote the ids into [env.production] of ${configPath}`);
			log("  ✓ written");
		}

		step = "applying the D1 migrations";
		log("\n4. D1 migrations");
		if (
			await session.mutate({
				args: ["d1", "migrations", "apply", name, "--remote", "--env", "production", ...session.configArgs],
			})
		) {
			done.push("applied the D1 migrations");
		}

		step = "setting the BENCH_TOKEN secret";
		log("\n5. BENCH_TOKEN secret");
		const hasToken = canList && (await workerHasSecret(session, name, "BENCH_TOKEN"));
		if (hasToken && !values["rotate-token"]) {
			log(
				"  ✓ BENCH_TOKEN is already set: keeping it (it is not shown again; --rotate-token makes a new one)",
			);
		} else {
			// The token goes to wrangler on stdin only: never in argv (visible in `ps`), never in a file.
			const token = randomBytes(32).toString("base64url");
			if (
				await session.mutate({
					args: ["secret", "put", "BENCH_TOKEN", "--env", "production", ...session.configArgs],
					stdin: token,
				})
			) {
				done.push(`${hasToken ? "rotated" : "set"} the BENCH_TOKEN secret of Worker "${name}"`);
				log(
					"\n  BENCH_TOKEN (shown this once; keep it in a password manager, every API call to the deployment needs it):\n" +
						`\n    ${token}\n`,
				);
			}
		}

		step = "deploying the Worker";
		log("\n6. deploy");
		const deployed = await session.mutate({ args: ["deploy", "--env", "production", ...session.configArgs] });
		if (!deployed) {
			log("\nDry run finished: nothing was created or changed.");
			return 0;
		}
		done.push(`deployed Worker "${name}"`);
		const url = deployed.stdout.match(/https:\/\/[^\s]+\.workers\.dev\b/)?.[0];
		log(
			url
				? `\n✓ Deployed: ${url}\n\nBench it (paste the token when asked, so it stays out of your shell history):\n` +
						`  read -rs BENCH_TOKEN && npm run bench -- --target ${url} --token "$BENCH_TOKEN"`
				: `\n✓ Deployed, but wrangler printed no workers.dev URL (routes or custom domains?). Its output:\n${deployed.stdout.trim()}`,
		);
		return 0;
	} catch (error) {
		const reason =
			error instanceof WranglerError || error instanceof StepFailure
				? error.message
				: String((error as Error).stack ?? error);
		console.error(`\n✗ provision stopped while ${step}:\n${reason.replace(/^/gm, "  ")}`);
		console.error(
			done.length
				? `\nAlready done before the failure:\n${done.map((line) => `  - ${line}`).join("\n")}`
				: "\nNothing was created or changed before the failure.",
		);
		console.error(
			"\nFix the cause above and run `npm run provision` again: it reuses everything that already exists.",
		);
		return 1;
	}
}

/** Whether the Worker has a secret called `secret`; a Worker that does not exist yet has none. */
async function workerHasSecret(session: WranglerSession, worker: string, secret: string): Promise<boolean> {
	const args = ["secret", "list", "--name", worker, "--format", "json", ...session.configArgs];
	const result = await session.probe(args);
	if (result.code !== 0) {
		if (/not found/i.test(result.stderr + result.stdout)) return false;
		throw new WranglerError({ args }, result);
	}
	return (parseJsonOutput(result.stdout) as { name: string }[]).some((entry) => entry.name === secret);
}

process.exitCode = await main();
