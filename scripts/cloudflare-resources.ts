import {
	formatCommand,
	parseJsonOutput,
	runWrangler,
	runWranglerOrThrow,
	type WranglerCommand,
	type WranglerResult,
} from "./wrangler-cli.ts";

/**
 * Runs the wrangler commands of one provision or teardown. Read-only commands (`whoami`, lists)
 * always run, so a dry run can tell "create" from "reuse"; changing commands only print under
 * `dryRun`. Every command is printed before it runs.
 */
export class WranglerSession {
	constructor(
		readonly options: {
			dryRun: boolean;
			configPath: string;
			log: (line: string) => void;
			env?: NodeJS.ProcessEnv;
		},
	) {}

	/** A read-only command; throws `WranglerError` when it fails. */
	query(args: string[]): Promise<WranglerResult> {
		this.options.log(`  $ ${formatCommand({ args })}`);
		return runWranglerOrThrow({ args }, this.options.env);
	}

	/** A read-only command whose failure the caller interprets (e.g. "not logged in"). */
	probe(args: string[]): Promise<WranglerResult> {
		this.options.log(`  $ ${formatCommand({ args })}`);
		return runWrangler({ args }, this.options.env);
	}

	/** A changing command: runs it (throwing on failure) or, in a dry run, only prints it. */
	async mutate(command: WranglerCommand): Promise<WranglerResult | undefined> {
		if (this.options.dryRun) {
			this.options.log(`  would run: ${formatCommand(command)}`);
			return undefined;
		}
		this.options.log(`  $ ${formatCommand(command)}`);
		return runWranglerOrThrow(command, this.options.env);
	}

	/** A changing command whose failure the caller interprets (e.g. "already gone"). */
	async tryMutate(command: WranglerCommand): Promise<WranglerResult | undefined> {
		if (this.options.dryRun) {
			this.options.log(`  would run: ${formatCommand(command)}`);
			return undefined;
		}
		this.options.log(`  $ ${formatCommand(command)}`);
		return runWrangler(command, this.options.env);
	}

	/** `--config PATH`, appended to commands that read the Worker's configuration. */
	get configArgs(): string[] {
		return ["--config", this.options.configPath];
	}
}

/** Who wrangler is logged in as, or `null` when it is not (`wrangler whoami --json` exits non-zero). */
export async function whoami(
	session: WranglerSession,
): Promise<{ email?: string; accounts: { id: string; name: string }[] } | null> {
	const result = await session.probe(["whoami", "--json"]);
	if (result.code !== 0) return null;
	const user = parseJsonOutput(result.stdout) as {
		loggedIn?: boolean;
		email?: string;
		accounts?: { id: string; name: string }[];
	};
	return user.loggedIn ? { email: user.email, accounts: user.accounts ?? [] } : null;
}

/** The id of the KV namespace titled `title`, if it exists (`wrangler kv namespace list` prints JSON). */
export async function findKvNamespace(session: WranglerSession, title: string): Promise<string | undefined> {
	const result = await session.query(["kv", "namespace", "list"]);
	const namespaces = parseJsonOutput(result.stdout) as { id: string; title: string }[];
	return namespaces.find((namespace) => namespace.title === title)?.id;
}

/** The id of the D1 database named `name`, if it exists. */
export async function findD1Database(session: WranglerSession, name: string): Promise<string | undefined> {
	const result = await session.query(["d1", "list", "--json"]);
	const databases = parseJsonOutput(result.stdout) as { uuid: string; name: string }[];
	return databases.find((database) => database.name === name)?.uuid;
}

/**
 * Whether the R2 bucket `name` exists. `wrangler r2 bucket list` has no JSON mode; it prints
 * `name: …` / `creation_date: …` blocks.
 */
export async function hasR2Bucket(session: WranglerSession, name: string): Promise<boolean> {
	const result = await session.query(["r2", "bucket", "list"]);
	return result.stdout.split("\n").some((line) => line.match(/^\s*name:\s*(\S+)\s*$/)?.[1] === name);
}

/** Resource names must suit all four products: R2 and D1 are the strictest (lowercase, digits, dashes). */
export function validateResourceName(name: string): string | undefined {
	return /^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/.test(name)
		? undefined
		: `invalid --name "${name}": use 3–63 lowercase letters, digits and dashes, starting and ending with a letter or digit`;
}
