import { formatCount, formatMs } from "../format-numbers.ts";
import { escapeHtml } from "../html.ts";
import type { BenchResults } from "../results-schema.ts";
import { storeLabel } from "../store-catalog.ts";
import { WORKSHOP_CHAPTERS } from "../workshop-chapters.ts";

function visibilityMeasured(results: BenchResults, store: string): string {
	if (!results.visibility) return "The t-visibility scenario was not run.";
	const row = results.visibility.find((entry) => entry.store === store);
	if (!row) return `The t-visibility scenario was not run for ${storeLabel(store)}.`;
	if (!row.timeToVisibleMs)
		return `Measured locally: no write became visible in ${formatCount(row.samples)} samples.`;
	return `Measured locally: t-visibility p50 ${formatMs(row.timeToVisibleMs.p50)} ms, p99 ${formatMs(row.timeToVisibleMs.p99)} ms over ${formatCount(row.samples)} writes (${formatCount(row.notVisible)} never visible).`;
}

function sessionGuaranteesMeasured(results: BenchResults, store: string): string {
	const row = results.sessionGuarantees?.find((entry) => entry.store === store);
	if (!row) return "Read-your-writes and monotonic reads were not run for D1.";
	return `Measured locally: ${formatCount(row.readYourWrites.violations)} read-your-writes violations in ${formatCount(row.readYourWrites.checks)} checks, ${formatCount(row.monotonicReads.violations)} monotonic-read violations in ${formatCount(row.monotonicReads.checks)} checks.`;
}

function sentence(text: string): string {
	const trimmed = text.trim();
	const capitalised = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
	return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/**
 * The banner shown on local runs: what `wrangler dev` cannot show, each with the number measured
 * locally. It states documented behaviour only; it never presents a production figure.
 */
export function renderLocalBanner(results: BenchResults): string {
	if (results.run.target.kind !== "local") return "";
	const items: string[] = [
		`<li><strong>KV propagation.</strong> Locally KV is one strongly consistent store, so a write is visible at once; in production KV is documented as eventually consistent across locations. ${escapeHtml(visibilityMeasured(results, "kv"))}</li>`,
		`<li><strong>Per-location cache.</strong> Local dev has a single location, so the Cache API looks global; in production each data center has its own cache that is never replicated. ${escapeHtml(visibilityMeasured(results, "cache"))}</li>`,
		`<li><strong>D1 read replicas.</strong> Local D1 is one SQLite file without replicas, so the Sessions API's bookmarks have no lagging replica to guard against. ${escapeHtml(sessionGuaranteesMeasured(results, "d1"))}</li>`,
		"<li><strong>Network and storage latency.</strong> Local latencies contain no internet round trip and no real storage back end; they compare code paths, not production response times.</li>",
	];
	const caveats = (results.stores ?? []).filter(
		(traits) => traits.localCaveats && traits.localCaveats.length > 0,
	);
	const perStore = caveats.length
		? `<details class="caveats"><summary>What else local dev cannot show, store by store (as the Worker reports it)</summary><dl>${caveats
				.map(
					(traits) =>
						`<dt>${escapeHtml(storeLabel(traits.name))}</dt>${(traits.localCaveats ?? []).map((caveat) => `<dd>${escapeHtml(sentence(caveat))}</dd>`).join("")}`,
				)
				.join("")}</dl></details>`
		: "";
	return `<aside class="local-banner" role="note" aria-labelledby="local-banner-h">
<h2 id="local-banner-h">Local run: these numbers come from <code>wrangler dev</code> on this machine, not from Cloudflare's network</h2>
<ul>${items.join("")}</ul>
${perStore}
<p>To see these effects, run the bench against a deployment: <code>npm run bench -- --target https://… --token …</code> (workshop: <code>${escapeHtml(WORKSHOP_CHAPTERS.production)}</code>).</p>
</aside>`;
}
