// The docs are part of the product: a workshop attendee copies commands and
// follows links verbatim. These checks keep README.md and everything under
// docs/ honest against the repository as it is: scripts that exist, paths that
// resolve, both workshop languages in step, and TypeScript that compiles.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const WORKSHOP = join(ROOT, "docs/workshop");
const CHAPTERS = [
	"README.md",
	"00-setup-and-tour.md",
	"01-cache-api.md",
	"02-kv.md",
	"03-durable-objects.md",
	"04-d1.md",
	"05-r2.md",
	"06-realtime-channels.md",
	"07-measuring.md",
	"08-production.md",
];

interface CodeBlock {
	info: string;
	code: string;
	line: number;
}

interface MarkdownFile {
	/** Repository-relative path. */
	path: string;
	text: string;
	/** The text with fenced code blocks blanked out (line numbers preserved). */
	prose: string;
	blocks: CodeBlock[];
}

function listMarkdown(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const full = join(dir, name);
		if (statSync(full).isDirectory()) return listMarkdown(full);
		return name.endsWith(".md") ? [full] : [];
	});
}

function parseMarkdown(full: string): MarkdownFile {
	const text = readFileSync(full, "utf8");
	const blocks: CodeBlock[] = [];
	const prose: string[] = [];
	let open: { fence: string; info: string; line: number; lines: string[] } | null = null;
	text.split("\n").forEach((line, index) => {
		if (open) {
			const close = /^\s*(`{3,}|~{3,})\s*$/.exec(line)?.[1];
			if (close && close[0] === open.fence[0] && close.length >= open.fence.length) {
				blocks.push({ info: open.info, code: open.lines.join("\n"), line: open.line });
				open = null;
			} else open.lines.push(line);
			prose.push("");
			return;
		}
		const fence = /^\s*(`{3,}|~{3,})(.*)$/.exec(line);
		if (fence?.[1]) {
			open = { fence: fence[1], info: (fence[2] ?? "").trim(), line: index + 1, lines: [] };
			prose.push("");
			return;
		}
		prose.push(line);
	});
	return { path: relative(ROOT, full), text, prose: prose.join("\n"), blocks };
}

const markdownFiles = [join(ROOT, "README.md"), ...listMarkdown(join(ROOT, "docs"))].map(parseMarkdown);

const scripts = Object.keys(
	(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
		.scripts,
);

/** Top-level names a repository path can start with: whatever exists at the root besides build output. */
const TOP_LEVEL = new Set(
	readdirSync(ROOT).filter((name) => !["node_modules", ".git", ".wrangler", "bench-results"].includes(name)),
);

/** Inline code spans that look like repository paths (`workers/app.ts`, `wrangler.toml`, `docs/`). */
function repositoryPaths(prose: string): string[] {
	const paths: string[] = [];
	for (const match of prose.matchAll(/(?<!`)`([^`\n]+)`(?!`)/g)) {
		const span = (match[1] ?? "").trim().replace(/:\d+(-\d+)?$/, "");
		if (!/^\.?[\w.-]+(\/[\w.-]+)*\/?$/.test(span)) continue;
		const first = span.split("/")[0] ?? "";
		if (!TOP_LEVEL.has(first)) continue;
		if (!span.includes("/") && !/\.\w+$/.test(span)) continue;
		paths.push(span);
	}
	return paths;
}

/** Markdown link targets that point into the repository (not URLs, not same-page anchors). */
function relativeLinks(prose: string): string[] {
	const links: string[] = [];
	for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
		const target = match[1] ?? "";
		if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("#")) continue;
		links.push(decodeURI(target.split("#")[0] ?? ""));
	}
	return links;
}

/** TypeScript sources of the project (what an excerpt may quote). */
function listSources(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		if (["node_modules", ".git", ".wrangler", "bench-results", "docs"].includes(name)) return [];
		const full = join(dir, name);
		if (statSync(full).isDirectory()) return listSources(full);
		return /\.(ts|mjs|js)$/.test(name) && !name.endsWith(".d.ts") ? [full] : [];
	});
}

/** Whether every line of `wanted` occurs in `lines`, in this order (other lines may come between). */
function containsInOrder(lines: string[], wanted: string[]): boolean {
	let next = 0;
	for (const line of lines) {
		if (line === wanted[next]) next++;
		if (next === wanted.length) return true;
	}
	return wanted.length === 0;
}

describe("docs and README", () => {
	it("mention only npm scripts that exist in package.json", () => {
		const missing: string[] = [];
		for (const file of markdownFiles) {
			for (const match of file.text.matchAll(/npm run (?:--?[\w-]+ )*([\w:.][\w:.-]*)/g)) {
				const name = match[1] ?? "";
				if (!scripts.includes(name)) missing.push(`${file.path}: npm run ${name}`);
			}
		}
		expect(missing).toEqual([]);
	});

	it("link only to files that exist", () => {
		const broken: string[] = [];
		let checked = 0;
		for (const file of markdownFiles) {
			for (const link of relativeLinks(file.prose)) {
				checked++;
				if (!existsSync(resolve(ROOT, dirname(file.path), link))) broken.push(`${file.path}: (${link})`);
			}
		}
		expect(checked).toBeGreaterThan(0);
		expect(broken).toEqual([]);
	});

	it("name only repository paths that exist", () => {
		const broken: string[] = [];
		let checked = 0;
		for (const file of markdownFiles) {
			for (const path of repositoryPaths(file.prose)) {
				checked++;
				if (!existsSync(join(ROOT, path))) broken.push(`${file.path}: \`${path}\``);
			}
		}
		expect(checked).toBeGreaterThan(0);
		expect(broken).toEqual([]);
	});

	it("README links to both workshop tutorials and mentions the playground", () => {
		const readme = markdownFiles.find((file) => file.path === "README.md");
		const links = relativeLinks(readme?.prose ?? "");
		expect(links).toContain("docs/workshop/en/README.md");
		expect(links).toContain("docs/workshop/ja/README.md");
		expect(readme?.text).toContain("http://localhost:8787/");
	});

	it("mark every TypeScript block as either `ts` (compiled) or `ts excerpt`", () => {
		const unmarked: string[] = [];
		for (const file of markdownFiles) {
			for (const block of file.blocks) {
				const language = block.info.split(/\s+/)[0]?.toLowerCase() ?? "";
				if (!["ts", "typescript", "tsx", "mts"].includes(language)) continue;
				if (block.info !== "ts" && block.info !== "ts excerpt") {
					unmarked.push(`${file.path}:${block.line} \`\`\`${block.info}`);
				}
			}
		}
		expect(unmarked).toEqual([]);
	});

	it("quote every `ts excerpt` block from the repository, line by line and in order", () => {
		// An excerpt is a promise that the code is in the repository as shown, so it
		// must not drift from the file it quotes. Lines are compared trimmed (the docs
		// re-indent), may skip lines of the file in between (an excerpt may leave parts
		// out), and must all come from one file. A block whose first line says the code
		// is "not in this repository" (the talk's sketch) is exempt.
		const sources = listSources(ROOT).map((path) =>
			readFileSync(path, "utf8")
				.split("\n")
				.map((line) => line.trim()),
		);
		const drifted: string[] = [];
		let checked = 0;
		for (const file of markdownFiles) {
			for (const block of file.blocks.filter((b) => b.info === "ts excerpt")) {
				const lines = block.code
					.split("\n")
					.map((line) => line.trim())
					.filter(Boolean);
				if (/not in this repository/.test(lines[0] ?? "")) continue;
				checked++;
				if (!sources.some((source) => containsInOrder(source, lines))) {
					drifted.push(`${file.path}:${block.line} (${lines[0]})`);
				}
			}
		}
		expect(checked).toBeGreaterThan(0);
		expect(drifted).toEqual([]);
	});

	it("type-check every `ts` block against the project", () => {
		// A block may say where it lives with a first line `// file: <repository path>`;
		// otherwise it is checked as if it were a file in workers/. Blocks under
		// workers/ use workers/tsconfig.json, all others the root tsconfig.json.
		// The files are virtual: nothing is written to the repository.
		const snippets: { origin: string; path: string; code: string }[] = [];
		for (const file of markdownFiles) {
			file.blocks
				.filter((block) => block.info === "ts")
				.forEach((block, index) => {
					const declared = /^\/\/ file: (\S+)/.exec(block.code)?.[1];
					const name = file.path.replace(/[^\w]+/g, "-");
					const path = declared ?? `workers/docs-snippet-${name}-${index}.ts`;
					snippets.push({ origin: `${file.path}:${block.line}`, path: join(ROOT, path), code: block.code });
				});
		}
		const errors: string[] = [];
		const groups = [
			{
				config: "workers/tsconfig.json",
				files: snippets.filter((s) => s.path.startsWith(join(ROOT, "workers/"))),
			},
			{ config: "tsconfig.json", files: snippets.filter((s) => !s.path.startsWith(join(ROOT, "workers/"))) },
		];
		for (const { config, files } of groups) {
			if (files.length === 0) continue;
			const configPath = join(ROOT, config);
			const parsed = ts.parseJsonConfigFileContent(
				ts.readConfigFile(configPath, ts.sys.readFile).config,
				ts.sys,
				dirname(configPath),
				undefined,
				configPath,
			);
			const virtual = new Map(files.map((s) => [s.path, s]));
			const host = ts.createCompilerHost(parsed.options);
			const readFile = host.readFile.bind(host);
			const fileExists = host.fileExists.bind(host);
			host.readFile = (name) => virtual.get(resolve(name))?.code ?? readFile(name);
			host.fileExists = (name) => virtual.has(resolve(name)) || fileExists(name);
			const program = ts.createProgram([...virtual.keys()], parsed.options, host);
			for (const snippet of files) {
				const source = program.getSourceFile(snippet.path);
				const diagnostics = [
					...program.getSyntacticDiagnostics(source),
					...program.getSemanticDiagnostics(source),
				];
				for (const d of diagnostics) {
					const line =
						d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
					errors.push(
						`${snippet.origin} (+${line}): ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
					);
				}
			}
		}
		expect(errors).toEqual([]);
	}, 120_000);
});

describe("workshop", () => {
	const languages = ["en", "ja"];

	it("has every chapter in both languages, and nothing else", () => {
		for (const language of languages) {
			const files = readdirSync(join(WORKSHOP, language)).sort();
			expect(files).toEqual([...CHAPTERS].sort());
		}
	});

	it("has the same number of headings per chapter in both languages", () => {
		const headingCount = (language: string, chapter: string) =>
			parseMarkdown(join(WORKSHOP, language, chapter))
				.prose.split("\n")
				.filter((line) => /^#{1,6}\s/.test(line)).length;
		for (const chapter of CHAPTERS) {
			const en = headingCount("en", chapter);
			expect(en, chapter).toBeGreaterThan(0);
			expect(headingCount("ja", chapter), chapter).toBe(en);
		}
	});

	it("gives each chapter an exercise with a hidden answer, observations and production notes", () => {
		for (const chapter of CHAPTERS.filter((name) => name !== "README.md")) {
			const en = readFileSync(join(WORKSHOP, "en", chapter), "utf8");
			expect(en, chapter).toMatch(/<details><summary>Answer<\/summary>/);
			expect(en, chapter).toMatch(/^## What you should observe/m);
			expect(en, chapter).toMatch(/^## What differs in production/m);
			const ja = readFileSync(join(WORKSHOP, "ja", chapter), "utf8");
			expect(ja, chapter).toMatch(/<details><summary>解答<\/summary>/);
		}
	});
});
