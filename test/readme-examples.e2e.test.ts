import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../bench/target/wrangler-dev.ts";

// The README's curl examples, run exactly as printed (only `localhost:8787`
// is pointed at this test's own wrangler dev) in order, against fresh state.
// A `# → …` line under a command is its expected output; placeholders
// `<id>`, `<epoch-ms>` and `<text>` stand for values that differ per run,
// and `<id>` in a later command is the id the last answer returned.

interface Example {
	command: string;
	expected: string | null;
}

function readmeExamples(): Example[] {
	const readme = readFileSync(resolve(import.meta.dirname, "../README.md"), "utf8");
	const examples: Example[] = [];
	for (const block of readme.matchAll(/```sh\n([\s\S]*?)```/g)) {
		const lines = (block[1] ?? "").split("\n");
		lines.forEach((line, index) => {
			if (!line.startsWith("curl ")) return;
			const next = lines[index + 1] ?? "";
			examples.push({ command: line, expected: next.startsWith("# → ") ? next.slice(4) : null });
		});
	}
	return examples;
}

function matches(actual: unknown, expected: unknown, captured: { id?: string }): boolean {
	if (expected === "<id>") {
		if (typeof actual !== "string" || !/^[A-Za-z0-9_-]{1,128}$/.test(actual)) return false;
		captured.id = actual;
		return true;
	}
	if (expected === "<epoch-ms>") return typeof actual === "number" && actual > Date.UTC(2024, 0, 1);
	if (expected === "<text>") return typeof actual === "string" && actual.length > 0;
	if (Array.isArray(expected)) {
		return (
			Array.isArray(actual) &&
			actual.length === expected.length &&
			expected.every((e, i) => matches(actual[i], e, captured))
		);
	}
	if (expected && typeof expected === "object") {
		if (!actual || typeof actual !== "object" || Array.isArray(actual)) return false;
		const keys = Object.keys(expected);
		return (
			keys.length === Object.keys(actual).length &&
			keys.every((k) =>
				matches((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], captured),
			)
		);
	}
	return actual === expected;
}

let dev: WranglerDev;
beforeAll(async () => {
	dev = await startWranglerDev();
});
afterAll(async () => {
	await dev?.stop();
});

it("every curl example in the README works as printed", () => {
	const examples = readmeExamples();
	expect(examples.length).toBeGreaterThan(15);
	const captured: { id?: string } = {};
	for (const example of examples) {
		const command = example.command
			.replaceAll("localhost:8787", `127.0.0.1:${dev.port}`)
			.replaceAll("<id>", captured.id ?? "<id>");
		const output = execFileSync("sh", ["-c", command], { encoding: "utf8" }).trim();
		if (example.expected === null) {
			expect(output, example.command).not.toBe("");
			continue;
		}
		if (/^\d{3}$/.test(example.expected)) {
			expect(output, example.command).toBe(example.expected);
			continue;
		}
		const expected = JSON.parse(example.expected.replaceAll("<epoch-ms>", '"<epoch-ms>"'));
		const actual = JSON.parse(output);
		expect(matches(actual, expected, captured), `${example.command}\n  got ${output}`).toBe(true);
	}
});
