import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

/** Environment that keeps wrangler fully offline and quiet (no telemetry, no cf fetch). */
export const OFFLINE_ENV = {
	CLOUDFLARE_CF_FETCH_ENABLED: "false",
	WRANGLER_SEND_METRICS: "false",
	WRANGLER_LOG_SANITIZE: "true",
	NO_COLOR: "1",
} as const;

export interface WranglerDevOptions {
	/** Port to listen on; a free one is picked when omitted. */
	port?: number;
	/** Directory for local state; a throw-away temp dir (removed on stop) when omitted. */
	persistTo?: string;
	/** `--var NAME:VALUE` pairs, e.g. `{ BENCH_TOKEN: "…" }`. */
	vars?: Record<string, string>;
	/** Project root holding wrangler.toml (defaults to this repository). */
	cwd?: string;
	/** How long to wait for `/api/health` before giving up (ms). */
	startTimeoutMs?: number;
	/** Called with each line wrangler prints. */
	onOutput?: (line: string) => void;
	/**
	 * Apply the D1 migrations to the local state first (`wrangler d1 migrations apply DB --local
	 * --persist-to <dir>`); `wrangler dev` does not, and the D1 routes fail without the tables. Default true.
	 */
	migrate?: boolean;
}

/** A running `wrangler dev`. */
export interface WranglerDev {
	url: string;
	port: number;
	/** Everything wrangler printed so far (stdout and stderr). */
	output(): string;
	/** Resolves when the process exits, with its exit code (null when killed by a signal). */
	exited: Promise<number | null>;
	/** Stop wrangler and workerd (SIGTERM to the process group, SIGKILL after 5 s) and remove throw-away state. */
	stop(): Promise<void>;
	/** The process id of the wrangler process group leader (for fault-injection tests). */
	pid: number;
}

const REPO_ROOT = resolve(import.meta.dirname, "../..");

/** Ask the OS for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
	return new Promise((resolvePort, reject) => {
		const server = createServer();
		server.unref();
		server.on("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			const port = typeof address === "object" && address ? address.port : 0;
			server.close(() => resolvePort(port));
		});
	});
}

/** Resolve with true when something already listens on 127.0.0.1:port. */
export async function portInUse(port: number): Promise<boolean> {
	return new Promise((resolveBusy) => {
		const server = createServer();
		server.once("error", () => resolveBusy(true));
		server.listen(port, "127.0.0.1", () => server.close(() => resolveBusy(false)));
	});
}

/**
 * Start `wrangler dev` for this project and wait until `/api/health` answers.
 * Throws with wrangler's own output when it exits early or never becomes healthy.
 */
export async function startWranglerDev(options: WranglerDevOptions = {}): Promise<WranglerDev> {
	const cwd = options.cwd ?? REPO_ROOT;
	const port = options.port ?? (await freePort());
	if (options.port !== undefined && (await portInUse(port))) {
		throw new Error(`port ${port} is already in use: choose another port, or stop what is listening there`);
	}
	const inspectorPort = await freePort();
	const throwAway = options.persistTo === undefined;
	const persistTo = options.persistTo ?? mkdtempSync(join(tmpdir(), "state-lab-wrangler-"));
	const wranglerBin = wranglerBinIn(cwd);
	if (options.migrate ?? true) {
		try {
			await applyLocalMigrations(persistTo, cwd);
		} catch (error) {
			if (throwAway) rmSync(persistTo, { recursive: true, force: true });
			throw error;
		}
	}
	const args = [
		wranglerBin,
		"dev",
		"--ip",
		"127.0.0.1",
		"--port",
		String(port),
		"--inspector-port",
		String(inspectorPort),
		"--persist-to",
		persistTo,
		"--show-interactive-dev-session=false",
		"--log-level",
		"warn",
	];
	for (const [name, value] of Object.entries(options.vars ?? {})) args.push("--var", `${name}:${value}`);

	const child = spawn(process.execPath, args, {
		cwd,
		env: { ...process.env, ...OFFLINE_ENV },
		stdio: ["ignore", "pipe", "pipe"],
		detached: true,
	});
	const pid = child.pid ?? 0;
	let output = "";
	const collect = (chunk: Buffer) => {
		const text = stripAnsi(chunk.toString());
		output += text;
		if (options.onOutput) for (const line of text.split("\n")) if (line.trim()) options.onOutput(line);
	};
	child.stdout?.on("data", collect);
	child.stderr?.on("data", collect);
	const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
	let running = true;
	void exited.then(() => {
		running = false;
	});
	const killOnExit = () => killGroup(child, "SIGKILL");
	process.once("exit", killOnExit);

	const stop = async () => {
		process.removeListener("exit", killOnExit);
		if (running) {
			killGroup(child, "SIGTERM");
			const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5000);
			await exited;
			clearTimeout(timer);
		}
		// workerd may outlive wrangler for a moment; make sure the group is gone.
		killGroup(child, "SIGKILL");
		if (throwAway) rmSync(persistTo, { recursive: true, force: true });
	};

	const url = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
	while (Date.now() < deadline) {
		// A config or build error leaves wrangler waiting for file changes
		// instead of exiting, so an [ERROR] line before readiness is fatal too.
		if (!running || /\[ERROR\]/.test(output)) {
			await stop();
			throw new Error(`wrangler dev failed to start. Its output:\n${output.trim()}`);
		}
		try {
			const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(1000) });
			if (res.ok) return { url, port, pid, output: () => output, exited, stop };
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	await stop();
	throw new Error(`wrangler dev did not answer ${url}/api/health in time. Its output:\n${output.trim()}`);
}

/**
 * Apply the D1 migrations to a local state directory, so a `wrangler dev` started with the same
 * `--persist-to` serves the D1 routes. Runs non-interactively (wrangler answers its own prompt).
 * Throws with wrangler's output when it fails.
 */
export async function applyLocalMigrations(persistTo: string, cwd = REPO_ROOT): Promise<void> {
	const args = [wranglerBinIn(cwd), "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo];
	const child = spawn(process.execPath, args, {
		cwd,
		env: { ...process.env, ...OFFLINE_ENV, CI: "true" },
		stdio: ["ignore", "pipe", "pipe"],
	});
	let output = "";
	const collect = (chunk: Buffer) => {
		output += stripAnsi(chunk.toString());
	};
	child.stdout?.on("data", collect);
	child.stderr?.on("data", collect);
	const code = await new Promise<number | null>((resolveExit, reject) => {
		child.once("error", reject);
		child.once("exit", resolveExit);
	});
	if (code !== 0) throw new Error(`wrangler d1 migrations apply failed (exit ${code}):\n${output.trim()}`);
}

function wranglerBinIn(cwd: string): string {
	const wranglerPackage = createRequire(join(cwd, "package.json")).resolve("wrangler/package.json");
	return join(dirname(wranglerPackage), "bin", "wrangler.js");
}

function stripAnsi(text: string): string {
	// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
	return text.replace(/\u001b\[[0-9;]*m/g, "");
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
	if (!child.pid) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		// already gone
	}
}
