import { escapeHtml } from "./html.ts";

/** Workshop chapters (English edition), as paths inside the repository. */
export const WORKSHOP_CHAPTERS = {
	setup: "docs/workshop/en/00-setup-and-tour.md",
	cache: "docs/workshop/en/01-cache-api.md",
	kv: "docs/workshop/en/02-kv.md",
	durableObjects: "docs/workshop/en/03-durable-objects.md",
	d1: "docs/workshop/en/04-d1.md",
	r2: "docs/workshop/en/05-r2.md",
	channels: "docs/workshop/en/06-realtime-channels.md",
	measuring: "docs/workshop/en/07-measuring.md",
	production: "docs/workshop/en/08-production.md",
} as const;

export type WorkshopChapter = keyof typeof WORKSHOP_CHAPTERS;

/**
 * The explanation paragraph every section and chart carries: two sentences and the workshop chapter,
 * shown as a repository path because the report may be opened far away from the repository.
 */
export function explanation(sentences: string, chapter: WorkshopChapter): string {
	return `<p class="explain">${escapeHtml(sentences)} <span class="chapter">Workshop: <code>${escapeHtml(WORKSHOP_CHAPTERS[chapter])}</code></span></p>`;
}
