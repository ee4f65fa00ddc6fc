import type { ChartCollector } from "../chart-spec.ts";
import { formatCount, formatPercent, formatRate, formatUsAsMs } from "../format-numbers.ts";
import { dataTable, figure, notRun, num, section } from "../markup.ts";
import { percentileSpectrum } from "../percentile-spectrum.ts";
import type { BenchResults } from "../results-schema.ts";
import { explanation } from "../workshop-chapters.ts";

/** Pub/sub section: delivery latency spectrum and loss/duplication/order counts of the channel. */
export function renderPubsub(results: BenchResults, charts: ChartCollector): string {
	const pubsub = results.pubsub;
	if (!pubsub) return section("pubsub", "Pub/sub delivery", notRun("pub/sub section", results.source));
	const points = percentileSpectrum(pubsub.histogram);
	const canvas = charts.canvas("pubsub-spectrum", "Pub/sub: publish-to-receive latency percentile spectrum", {
		type: "line",
		x: { title: "Percentile", scale: "nines" },
		y: { title: "Delivery latency (ms)", scale: "log", format: "ms" },
		series: points
			? [{ label: "publish → receive", color: "do", points: points.map((p) => ({ x: p.x, y: p.ms })) }]
			: [],
	});
	const expected = pubsub.messages * pubsub.subscribers;
	const undecodable = points
		? ""
		: '<p class="note warn-text">The delivery-latency histogram could not be decoded (or is empty), so the spectrum is blank; the table below still has the percentiles.</p>';
	const counts = dataTable({
		caption: "Pub/sub delivery counts",
		head: [
			"Channel",
			"Subscribers",
			"Messages",
			"Publish rate (msg/s)",
			"Expected deliveries",
			"Delivered",
			"Lost",
			"Duplicates",
			"Out of order",
		],
		rows: [
			[
				"one channel Durable Object",
				num(formatCount(pubsub.subscribers)),
				num(formatCount(pubsub.messages)),
				num(formatRate(pubsub.publishRate)),
				num(formatCount(expected)),
				num(formatCount(pubsub.delivered)),
				num(
					`${formatCount(pubsub.lost)}${expected > 0 ? ` (${formatPercent(pubsub.lost / expected)})` : ""}`,
					pubsub.lost > 0 ? "bad" : "good",
				),
				num(formatCount(pubsub.duplicates), pubsub.duplicates > 0 ? "bad" : "good"),
				num(formatCount(pubsub.outOfOrder), pubsub.outOfOrder > 0 ? "bad" : "good"),
			],
		],
	});
	const latency = dataTable({
		caption: "Pub/sub publish-to-receive latency (ms)",
		head: ["Measure", "p50", "p90", "p99", "p99.9", "max", "mean"],
		rows: [
			[
				"publish → receive",
				num(formatUsAsMs(pubsub.latencyUs.p50)),
				num(formatUsAsMs(pubsub.latencyUs.p90)),
				num(formatUsAsMs(pubsub.latencyUs.p99)),
				num(formatUsAsMs(pubsub.latencyUs.p999)),
				num(formatUsAsMs(pubsub.latencyUs.max)),
				num(formatUsAsMs(pubsub.latencyUs.mean)),
			],
		],
	});
	return section(
		"pubsub",
		"Pub/sub delivery",
		figure(
			canvas,
			"Publish-to-receive latency spectrum",
			explanation(
				"Subscribers hold WebSockets to one channel Durable Object while a publisher posts at a fixed rate; each message carries its sequence number and publish time. The spectrum is the delay until each subscriber received it, and the counts below show whether anything was lost, duplicated or reordered.",
				"channels",
			),
			undecodable + counts + latency,
		),
	);
}
