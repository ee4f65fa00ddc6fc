import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { OFFLINE_ENV } from "./wrangler-dev.ts";

const REPO_ROOT = resolve(import.meta.dirname, "../..");

/**
 * Apply the D1 migrations (`wrangler d1 migrations apply DB --local`) to a local state directory,
 * so a `wrangler dev` started with the same `--persist-to` serves the D1 routes.
 * Throws with wrangler's output when it fails.
 */
export async function applyLocalMigrations(persistTo: string, cwd = REPO_ROOT): Promise<void> {
	const wranglerPackage = createRequire(join(cwd, "package.json")).resolve("wrangler/package.json");
	const wranglerBin = join(dirname(wranglerPackage), "bin", "wrangler.js");
	const args = [wranglerBin, "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo];
	await new Promise<void>((resolveRun, reject) => {
		const child = spawn(process.execPath, args, {
			cwd,
			env: { ...process.env, ...OFFLINE_ENV, CI: "true" },
			stdio: ["ignore", "pipe", "pipe"],
		});
		let output = "";
		child.stdout.on("data", (c: Buffer) => {
			output += c.toString();
		});
		child.stderr.on("data", (c: Buffer) => {
			output += c.toString();
		});
		child.on("error", reject);
		child.on("exit", (code) =>
			code === 0
				? resolveRun()
				: reject(new Error(`wrangler d1 migrations apply failed (exit ${code}):\n${output.trim()}`)),
		);
	});
}
