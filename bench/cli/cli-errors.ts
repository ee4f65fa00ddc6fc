/** A usage error: printed as one clear line plus a pointer to `--help`, exit code 2. */
export class CliError extends Error {
	override name = "CliError";
}

/**
 * Run a CLI main function and exit with its code. Usage errors (ours and `parseArgs`'s)
 * print `error: …` and exit 2; anything else prints its message and exits 1.
 */
export async function runCli(help: string, main: (argv: string[]) => Promise<number>): Promise<never> {
	let code: number;
	try {
		code = await main(process.argv.slice(2));
	} catch (error) {
		const parseError = (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
		if (error instanceof CliError || parseError) {
			process.stderr.write(
				`error: ${(error as Error).message}\n\n${help.split("\n")[0]}\nRun with --help for details.\n`,
			);
			code = 2;
		} else {
			// The message says what failed; the stack only helps when debugging the harness itself.
			const stack = process.env.DEBUG && error instanceof Error ? error.stack : undefined;
			process.stderr.write(`error: ${stack ?? (error instanceof Error ? error.message : String(error))}\n`);
			code = 1;
		}
	}
	process.exit(code);
}

/** Parse a numeric option or throw a {@link CliError} naming it. */
export function positiveNumber(
	name: string,
	text: string,
	limits: { integer?: boolean; allowZero?: boolean; max?: number } = {},
): number {
	const value = Number(text);
	const min = limits.allowZero ? 0 : Number.MIN_VALUE;
	if (text.trim() === "" || !Number.isFinite(value) || value < min) {
		throw new CliError(
			`${name} must be a ${limits.allowZero ? "non-negative" : "positive"} number, not '${text}'`,
		);
	}
	if (limits.integer && !Number.isInteger(value))
		throw new CliError(`${name} must be a whole number, not '${text}'`);
	if (limits.max !== undefined && value > limits.max)
		throw new CliError(`${name} must be at most ${limits.max}, not ${text}`);
	return value;
}
