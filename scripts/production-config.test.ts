import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
	productionName,
	readRawConfig,
	renderProductionSection,
	replaceProductionSection,
	SECTION_BEGIN,
} from "./production-config.ts";

const repoConfig = readFileSync(path.join(import.meta.dirname, "..", "wrangler.toml"), "utf8");
const dir = mkdtempSync(path.join(tmpdir(), "state-lab-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const resources = {
	name: "lab-prod",
	kvNamespaceId: "a".repeat(32),
	d1DatabaseId: "11111111-2222-3333-4444-555555555555",
};

/** Parses TOML text with wrangler's own reader. */
async function parse(text: string) {
	const file = path.join(dir, `${Math.random().toString(36).slice(2)}.toml`);
	writeFileSync(file, text);
	return readRawConfig(file);
}

describe("the [env.production] section writer", () => {
	it("appends a section, replaces it in place, and removes it back to the original bytes", async () => {
		const topLevel = await parse(repoConfig);
		const section = renderProductionSection(topLevel, resources);
		const added = replaceProductionSection(repoConfig, section);
		expect(added.startsWith(repoConfig.trimEnd())).toBe(true);
		expect(replaceProductionSection(added, section)).toBe(added);

		const other = renderProductionSection(topLevel, { ...resources, kvNamespaceId: "b".repeat(32) });
		const replaced = replaceProductionSection(added, other);
		expect(replaced).toContain(`id = "${"b".repeat(32)}"`);
		expect(replaced).not.toContain(`id = "${"a".repeat(32)}"`);
		expect(replaced.split(SECTION_BEGIN)).toHaveLength(2);

		expect(replaceProductionSection(replaced, null)).toBe(repoConfig);
		expect(replaceProductionSection(repoConfig, null)).toBe(repoConfig);

		const parsed = await parse(replaced);
		expect(productionName(parsed)).toBe("lab-prod");
		expect(parsed.name).toBe(topLevel.name);
		expect(parsed.kv_namespaces).toEqual(topLevel.kv_namespaces);
	});

	it("keeps text that comes after the section where it was", () => {
		const section = `${SECTION_BEGIN}\n[env.production]\nname = "old"\n# <<< [env.production]\n`;
		const text = `name = "x"\n\n${section}\n# a comment after\n[observability]\nenabled = true\n`;
		const replaced = replaceProductionSection(
			text,
			`${SECTION_BEGIN}\n[env.production]\nname = "new"\n# <<< [env.production]\n`,
		);
		expect(replaced).toBe(
			`name = "x"\n\n${SECTION_BEGIN}\n[env.production]\nname = "new"\n# <<< [env.production]\n\n# a comment after\n[observability]\nenabled = true\n`,
		);
	});

	it("copies vars and odd strings so that wrangler reads back the same values", async () => {
		const topLevel: Record<string, unknown> = {
			...(await parse(repoConfig)),
			vars: { GREETING: 'say "hi"\\n', EMPTY: "", COUNT: 3, ON: true, LIST: ["a", "b"] },
		};
		const parsed = await parse(
			replaceProductionSection(repoConfig, renderProductionSection(topLevel, resources)),
		);
		const production = (parsed.env as Record<string, Record<string, unknown>>).production;
		expect(production?.vars).toEqual(topLevel.vars);
		expect(production?.durable_objects).toEqual(topLevel.durable_objects);
		expect(production?.d1_databases).toEqual([
			{
				binding: "DB",
				database_name: "lab-prod",
				database_id: resources.d1DatabaseId,
				migrations_dir: "workers/migrations",
			},
		]);
	});

	it("refuses to touch an [env.production] it did not write", () => {
		const handWritten = `${repoConfig}\n[env.production]\nname = "mine"\n`;
		expect(() => replaceProductionSection(handWritten, "x")).toThrow(/did not write/);
		const handWrittenTables = `${repoConfig}\n[[env.production.kv_namespaces]]\nbinding = "KV"\nid = "x"\n`;
		expect(() => replaceProductionSection(handWrittenTables, null)).toThrow(/did not write/);
	});

	it("refuses a top level with two KV namespaces, since provision creates one", async () => {
		const topLevel = await parse(repoConfig);
		const two = {
			...topLevel,
			kv_namespaces: [
				{ binding: "KV", id: "1" },
				{ binding: "KV2", id: "2" },
			],
		};
		expect(() => renderProductionSection(two, resources)).toThrow(
			"provision creates one kv_namespaces resource, but the top level of wrangler.toml declares 2",
		);
	});
});
