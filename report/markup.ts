import { escapeHtml } from "./html.ts";

/** A table cell: plain text (escaped) or prepared HTML, optionally numeric (right-aligned) or tinted. */
export type Cell = string | { html: string; numeric?: boolean; tone?: Tone; title?: string; label?: boolean };

/** Colour of a cell or badge: good (green), bad (red), warn (amber), neutral. */
export type Tone = "good" | "bad" | "warn" | "neutral";

/** A numeric cell from already-formatted text. */
export function num(text: string, tone?: Tone): Cell {
	return { html: escapeHtml(text), numeric: true, tone };
}

/** A short label cell that must not wrap, such as a load level. */
export function label(text: string): Cell {
	return { html: escapeHtml(text), label: true };
}

/** A coloured badge such as PASS/FAIL or a verdict. */
export function badge(text: string, tone: Tone): string {
	return `<span class="badge ${tone}">${escapeHtml(text)}</span>`;
}

/** A `<section>` with a heading that the table of contents links to. */
export function section(id: string, title: string, body: string): string {
	return `<section id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${escapeHtml(title)}</h2>${body}</section>`;
}

/** What the scorecard and the consistency sections say for a k6 summary, which has latency only. */
export const K6_NOT_RUN = "not run (k6 measures latency only)";

/** The text a section shows when the results file has no data for it (k6 summaries never have consistency data). */
export function notRun(what: string, source: "bench" | "k6" = "bench"): string {
	if (source === "k6")
		return `<p class="not-run"><strong>Not run</strong> (k6 measures latency only): a k6 summary has no ${escapeHtml(what)}; run <code>npm run bench</code> against the same target for it.</p>`;
	return `<p class="not-run"><strong>Not run.</strong> This results file has no ${escapeHtml(what)}.</p>`;
}

/** An accessible data table: caption, column headers with scope, the first cell of each row as a row header. */
export function dataTable(options: {
	caption: string;
	head: string[];
	rows: Cell[][];
	numericColumns?: number[];
	className?: string;
}): string {
	const numeric = new Set(options.numericColumns ?? []);
	const head = options.head
		.map(
			(text, index) => `<th scope="col"${numeric.has(index) ? ' class="num"' : ""}>${escapeHtml(text)}</th>`,
		)
		.join("");
	const body = options.rows
		.map((row) => {
			const cells = row.map((cell, index) => {
				const tag = index === 0 ? "th" : "td";
				const scope = index === 0 ? ' scope="row"' : "";
				if (typeof cell === "string") {
					return `<${tag}${scope}${numeric.has(index) ? ' class="num"' : ""}>${escapeHtml(cell)}</${tag}>`;
				}
				const classes = [
					cell.numeric || numeric.has(index) ? "num" : "",
					cell.label ? "label" : "",
					cell.tone ? `tone-${cell.tone}` : "",
				]
					.filter(Boolean)
					.join(" ");
				const title = cell.title ? ` title="${escapeHtml(cell.title)}"` : "";
				return `<${tag}${scope}${classes ? ` class="${classes}"` : ""}${title}>${cell.html}</${tag}>`;
			});
			return `<tr>${cells.join("")}</tr>`;
		})
		.join("");
	return `<div class="table-wrap"><table${options.className ? ` class="${options.className}"` : ""}><caption>${escapeHtml(options.caption)}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** A chart with its explanation: the figure, then the table holding the same numbers. */
export function figure(canvas: string, caption: string, explanationHtml: string, tableHtml: string): string {
	return `<figure class="chart">${canvas}<figcaption>${escapeHtml(caption)}</figcaption>${explanationHtml}</figure>${tableHtml}`;
}
