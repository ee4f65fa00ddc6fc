import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

/** What one wrangler invocation printed and how it exited. */
export interface WranglerResult {
	code: number;
	stdout: string;
	stderr: string;
}

/** A wrangler command: its arguments and, for secrets, the text sent on stdin (never in argv). */
export interface WranglerCommand {
	args: string[];
	stdin?: string;
}

/** A wrangler command that failed; the message quotes the end of its output. */
export class WranglerError extends Error {
	constructor(
		readonly command: WranglerCommand,
		readonly result: WranglerResult,
	) {
		super(`\`${formatCommand(command)}\` exited with code ${result.code}:\n${outputTail(result)}`);
	}
}

/**
 * How wrangler is started. `STATE_LAB_WRANGLER` overrides it: a command name looked up on PATH
 * (e.g. `wrangler` for a global install or a test's fake) or a path; `.js`/`.mjs`/`.cjs` files run
 * with the current Node. Without it, the project's pinned wrangler runs with the current Node, so a
 * global wrangler of another major version is never picked up by accident.
 */
export function resolveWrangler(env: NodeJS.ProcessEnv = process.env): { file: string; args: string[] } {
	const override = env.STATE_LAB_WRANGLER?.trim();
	if (override) {
		return /\.[cm]?js$/.test(override)
			? { file: process.execPath, args: [path.resolve(override)] }
			: { file: override, args: [] };
	}
	const pkg = createRequire(import.meta.url).resolve("wrangler/package.json");
	return { file: process.execPath, args: [path.join(path.dirname(pkg), "bin", "wrangler.js")] };
}

/** The command as a user would type it (`wrangler …`), for plans and error messages. */
export function formatCommand(command: WranglerCommand): string {
	const quoted = command.args.map((arg) =>
		/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`,
	);
	return ["wrangler", ...quoted].join(" ") + (command.stdin === undefined ? "" : " < (value on stdin)");
}

/** Runs wrangler non-interactively (stdin is a pipe, so it never prompts) and captures its output. */
export function runWrangler(
	command: WranglerCommand,
	env: NodeJS.ProcessEnv = process.env,
): Promise<WranglerResult> {
	const { file, args } = resolveWrangler(env);
	return new Promise((resolve, reject) => {
		const child = spawn(file, [...args, ...command.args], {
			env: { WRANGLER_SEND_METRICS: "false", ...env, FORCE_COLOR: "0", NO_COLOR: "1" },
			stdio: ["pipe", "pipe", "pipe"],
		});
		let stdout = "";
		let stderr = "";
		child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
			stdout += chunk;
		});
		child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
			stderr += chunk;
		});
		child.on("error", (error) =>
			reject(new Error(`could not start wrangler (${file}): ${error.message}`, { cause: error })),
		);
		child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
		child.stdin.on("error", () => {});
		child.stdin.end(command.stdin ?? "");
	});
}

/** Runs a command and throws a {@link WranglerError} unless it exits 0. */
export async function runWranglerOrThrow(
	command: WranglerCommand,
	env?: NodeJS.ProcessEnv,
): Promise<WranglerResult> {
	const result = await runWrangler(command, env);
	if (result.code !== 0) throw new WranglerError(command, result);
	return result;
}

/**
 * The JSON document in wrangler's stdout. Some commands print a banner (or a notice that may itself
 * start with `[`) before it, so this parses from the first line where the rest is valid JSON.
 */
export function parseJsonOutput(stdout: string): unknown {
	const lines = stdout.split("\n");
	for (const [index, line] of lines.entries()) {
		if (!/^\s*[[{]/.test(line)) continue;
		try {
			return JSON.parse(lines.slice(index).join("\n"));
		} catch {
			// Not the document yet: keep looking.
		}
	}
	throw new Error(`expected JSON from wrangler, got:\n${stdout.trim().slice(-500)}`);
}

/** The last lines of what a command printed (wrangler reports errors on stderr), enough to see why it failed. */
export function outputTail(result: WranglerResult, maxLines = 15): string {
	const text = result.stderr.trim() || result.stdout.trim();
	return text.split("\n").slice(-maxLines).join("\n") || "(no output)";
}
