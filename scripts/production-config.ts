import { readFile } from "node:fs/promises";
import { validateResourceName } from "./cloudflare-resources.ts";

/** The production resources whose ids go into `[env.production]`. */
export interface ProductionResources {
	/** Worker name; also the KV namespace title, D1 database name and R2 bucket name. */
	name: string;
	kvNamespaceId: string;
	d1DatabaseId: string;
}

/** wrangler.toml parsed into plain values (tables are objects, arrays of tables are arrays). */
export type RawConfig = Record<string, unknown>;

/** First and last line of the block that provision owns; everything else in the file is left as is. */
export const SECTION_BEGIN =
	"# >>> [env.production]: written by `npm run provision`, removed by `npm run teardown`";
export const SECTION_END = "# <<< [env.production]";

/**
 * Keys that wrangler does not inherit from the top level into an environment (bindings and vars),
 * so the production section must declare each of them again. Mirrors wrangler 4's config validation.
 */
const NOT_INHERITED = [
	"vars",
	"define",
	"durable_objects",
	"workflows",
	"kv_namespaces",
	"send_email",
	"queues",
	"r2_buckets",
	"d1_databases",
	"vectorize",
	"hyperdrive",
	"services",
	"analytics_engine_datasets",
	"dispatch_namespaces",
	"mtls_certificates",
	"tail_consumers",
	"unsafe",
	"browser",
	"ai",
	"images",
	"pipelines",
	"secrets_store_secrets",
	"ratelimits",
	"version_metadata",
] as const;

/** Reads wrangler.toml with wrangler's own parser (the project's pinned wrangler). */
export async function readRawConfig(configPath: string): Promise<RawConfig> {
	const { experimental_readRawConfig } = await import("wrangler");
	return experimental_readRawConfig({ config: configPath }).rawConfig as RawConfig;
}

/** A wrangler.toml as provision and teardown read it, with the production name they act on. */
export interface ProductionTarget {
	configText: string;
	config: RawConfig;
	name: string;
}

/**
 * Read the config and decide the production name: `nameOverride` (`--name`), else the one provision
 * wrote into `[env.production]`, else `<top-level name>-production`. Throws an Error whose message
 * is meant for the user when the file cannot be read or the name is not a valid resource name.
 */
export async function loadProductionTarget(
	configPath: string,
	nameOverride?: string,
): Promise<ProductionTarget> {
	let configText: string;
	let config: RawConfig;
	try {
		configText = await readFile(configPath, "utf8");
		config = await readRawConfig(configPath);
	} catch (error) {
		throw new Error(`cannot read ${configPath}: ${(error as Error).message}`);
	}
	const name = nameOverride ?? productionName(config) ?? `${String(config.name)}-production`;
	const invalid = validateResourceName(name);
	if (invalid) throw new Error(invalid);
	return { configText, config, name };
}

/** The Worker name that `[env.production]` in this config deploys, if provision wrote one. */
export function productionName(config: RawConfig): string | undefined {
	const env = config.env as Record<string, RawConfig> | undefined;
	const name = env?.production?.name;
	return typeof name === "string" ? name : undefined;
}

/**
 * The `[env.production]` block for these resources: every binding of the top level declared again,
 * with the KV, D1 and R2 bindings pointing at the real resources. Throws when the top level has
 * more than one KV, D1 or R2 binding, since provision creates exactly one of each.
 */
export function renderProductionSection(topLevel: RawConfig, resources: ProductionResources): string {
	const production: RawConfig = { name: resources.name };
	for (const key of NOT_INHERITED) {
		if (topLevel[key] !== undefined) production[key] = structuredClone(topLevel[key]);
	}
	const kv = single(production, "kv_namespaces");
	const d1 = single(production, "d1_databases");
	const r2 = single(production, "r2_buckets");
	kv.id = resources.kvNamespaceId;
	delete kv.preview_id;
	d1.database_name = resources.name;
	d1.database_id = resources.d1DatabaseId;
	delete d1.preview_database_id;
	r2.bucket_name = resources.name;
	delete r2.preview_bucket_name;

	const lines = [
		SECTION_BEGIN,
		"# Production bindings. Environments inherit the Worker's code and settings but no",
		"# bindings, so every binding above is declared again here, pointing at the real",
		"# KV namespace, D1 database and R2 bucket. Deploy with `wrangler deploy --env production`.",
		...renderTable("env.production", production),
		SECTION_END,
	];
	return `${lines.join("\n")}\n`;
}

/**
 * The file with the provision-owned block replaced by `section` (appended when absent), or removed
 * when `section` is null. Throws when the file has an `[env.production]` that provision did not
 * write, rather than guessing which lines belong to whom.
 */
export function replaceProductionSection(toml: string, section: string | null): string {
	const lines = toml.split("\n");
	const begin = lines.indexOf(SECTION_BEGIN);
	const end = lines.indexOf(SECTION_END);
	if ((begin === -1) !== (end === -1) || end < begin) {
		throw new Error(
			`wrangler.toml has only one of the markers "${SECTION_BEGIN}" / "${SECTION_END}"; fix it by hand`,
		);
	}
	const outside = begin === -1 ? lines : [...lines.slice(0, begin), ...lines.slice(end + 1)];
	if (outside.some((line) => /^\s*\[\[?\s*env\s*\.\s*"?production"?\s*[.\]]/.test(line))) {
		throw new Error(
			"wrangler.toml already has an [env.production] section that `npm run provision` did not write; remove it (or rename the environment) and run again",
		);
	}
	if (begin === -1) {
		if (section === null) return toml;
		const body = toml.replace(/\n*$/, "");
		return `${body}\n\n${section}`;
	}
	const before = lines.slice(0, begin).join("\n").replace(/\n*$/, "");
	const after = lines
		.slice(end + 1)
		.join("\n")
		.replace(/^\n*/, "");
	const parts = [before, section?.replace(/\n$/, ""), after.replace(/\n*$/, "")].filter((part) => part);
	return `${parts.join("\n\n")}\n`;
}

function single(
	config: RawConfig,
	key: "kv_namespaces" | "d1_databases" | "r2_buckets",
): Record<string, unknown> {
	const list = config[key];
	if (!Array.isArray(list) || list.length !== 1) {
		throw new Error(
			`provision creates one ${key} resource, but the top level of wrangler.toml declares ${Array.isArray(list) ? list.length : 0}`,
		);
	}
	return list[0] as Record<string, unknown>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTableArray(value: unknown): value is Record<string, unknown>[] {
	return Array.isArray(value) && value.length > 0 && value.every(isPlainObject);
}

/**
 * Renders `[header]` with its scalar keys, then its sub-tables and arrays of tables. A sub-table
 * with no scalar keys of its own needs no header line: its `[[a.b.c]]` children imply it.
 */
function renderTable(header: string, table: Record<string, unknown>, top = true): string[] {
	const scalars: string[] = [];
	const nested: string[] = [];
	for (const [key, value] of Object.entries(table)) {
		if (value === undefined) continue;
		const path = `${header}.${renderKey(key)}`;
		if (isTableArray(value)) {
			for (const item of value) nested.push("", ...renderTableArrayItem(path, item));
		} else if (
			isPlainObject(value) &&
			Object.values(value).some((v) => isPlainObject(v) || isTableArray(v))
		) {
			nested.push(...renderTable(path, value, false));
		} else {
			scalars.push(`${renderKey(key)} = ${renderValue(value)}`);
		}
	}
	if (!top && scalars.length === 0) return nested;
	return [...(top ? [] : [""]), `[${header}]`, ...scalars, ...nested];
}

function renderTableArrayItem(path: string, item: Record<string, unknown>): string[] {
	const lines = [`[[${path}]]`];
	for (const [key, value] of Object.entries(item)) {
		if (value !== undefined) lines.push(`${renderKey(key)} = ${renderValue(value)}`);
	}
	return lines;
}

function renderKey(key: string): string {
	return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}

/** A TOML inline value. JSON string escapes are a subset of TOML basic-string escapes. */
function renderValue(value: unknown): string {
	if (typeof value === "string") return JSON.stringify(value);
	if (typeof value === "number" || typeof value === "boolean") return String(value);
	if (Array.isArray(value)) return `[${value.map(renderValue).join(", ")}]`;
	if (isPlainObject(value)) {
		const entries = Object.entries(value).filter(([, v]) => v !== undefined);
		return `{ ${entries.map(([k, v]) => `${renderKey(k)} = ${renderValue(v)}`).join(", ")} }`;
	}
	throw new Error(`cannot write ${JSON.stringify(value)} to wrangler.toml`);
}
