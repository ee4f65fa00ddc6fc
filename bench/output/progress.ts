import { createLogUpdate } from "log-update";
import pc from "picocolors";
import type { ScenarioProgress } from "../scenarios/scenario.ts";

/** Progress output: a live line on a TTY, plain periodic lines otherwise (CI logs, pipes). */
export interface ProgressOutput extends ScenarioProgress {
	/** Print a line above the live line (phase changes, warnings). */
	line(text: string): void;
	/** Clear the live line and stop its timer. */
	stop(): void;
}

const PLAIN_TICK_EVERY_S = 5;

/** Progress for `stream`: animated when it is a TTY (and `NO_COLOR`-aware through picocolors). */
export function createProgress(stream: NodeJS.WriteStream = process.stdout): ProgressOutput {
	const tty = Boolean(stream.isTTY);
	const live = tty ? createLogUpdate(stream) : null;
	let label = "";
	let startedAt = 0;
	let figures = { requests: 0, errors: 0, rps: 0 };
	let lastPlainTick = 0;
	let timer: NodeJS.Timeout | undefined;

	const elapsed = () => (performance.now() - startedAt) / 1000;
	const render = () => {
		if (!live || !label) return;
		const errors = figures.errors > 0 ? pc.red(`errors ${figures.errors}`) : pc.dim("errors 0");
		live(
			`${pc.cyan("▸")} ${label}  ${pc.dim(`${elapsed().toFixed(1)} s`)}  ${pc.bold(`${figures.rps} req/s`)}  ${errors}`,
		);
	};
	const write = (text: string) => {
		live?.clear();
		stream.write(`${text}\n`);
		render();
	};

	return {
		begin(step) {
			label = `${pc.bold(step.scenario)} ${step.store ?? "-"} ${pc.dim(step.detail)}`;
			if (!tty) label = `${step.scenario} ${step.store ?? "-"} ${step.detail}`;
			startedAt = performance.now();
			figures = { requests: 0, errors: 0, rps: 0 };
			lastPlainTick = 0;
			if (live) {
				render();
				timer ??= setInterval(render, 250);
			}
		},
		tick(next) {
			figures = {
				requests: figures.requests + next.requests,
				errors: figures.errors + next.errors,
				rps: next.rps,
			};
			if (live) return render();
			const seconds = elapsed();
			if (seconds - lastPlainTick >= PLAIN_TICK_EVERY_S) {
				lastPlainTick = seconds;
				stream.write(
					`  ${label}: ${seconds.toFixed(0)} s, ${next.rps} req/s, ${figures.errors} errors so far\n`,
				);
			}
		},
		end(summary) {
			const done = tty ? `${pc.green("✓")} ${label}  ${summary}` : `${label}: ${summary}`;
			label = "";
			live?.clear();
			stream.write(`${done}\n`);
		},
		note(message) {
			write(tty ? pc.dim(`  ${message}`) : `  ${message}`);
		},
		line(text) {
			write(text);
		},
		stop() {
			if (timer) clearInterval(timer);
			timer = undefined;
			label = "";
			live?.clear();
		},
	};
}
