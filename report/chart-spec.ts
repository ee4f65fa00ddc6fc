import { escapeHtml, slug } from "./html.ts";

/**
 * Declarative chart description embedded in the report as JSON and turned into a Chart.js chart by
 * `assets/report-client.js`. Colours are keys resolved against CSS variables (`--c-<key>`), so the
 * charts follow the light/dark theme.
 */
export interface ChartSpec {
	id: string;
	type: "line" | "bar";
	/** Category labels (bar charts); an array is drawn as several lines. */
	labels?: Array<string | string[]>;
	x: AxisSpec;
	y: AxisSpec;
	series: ChartSeries[];
	/** Draw line series as steps (CDFs). */
	stepped?: boolean;
}

export interface AxisSpec {
	title: string;
	/** `nines` is a logarithmic axis of 1 / (1 − percentile) labelled 0 %, 90 %, 99 %, 99.9 % … */
	scale: "category" | "linear" | "log" | "nines";
	min?: number;
	max?: number;
	/** How tick values are written. */
	format?: "ms" | "percent" | "count" | "second";
}

export interface ChartSeries {
	label: string;
	color: string;
	dashed?: boolean;
	/** Points for line charts. */
	points?: Array<{ x: number; y: number | null }>;
	/** One value per category label for bar charts. */
	values?: Array<number | null>;
}

/** Collects the charts of one report and hands out unique canvas ids. */
export class ChartCollector {
	readonly specs: ChartSpec[] = [];
	readonly #ids = new Set<string>();

	/** Registers a chart and returns its canvas markup (with an accessible name and fallback text). */
	canvas(
		name: string,
		ariaLabel: string,
		spec: Omit<ChartSpec, "id">,
		size: "wide" | "half" = "half",
	): string {
		let id = `chart-${slug(name)}`;
		for (let n = 2; this.#ids.has(id); n++) id = `chart-${slug(name)}-${n}`;
		this.#ids.add(id);
		this.specs.push({ id, ...spec });
		return `<div class="canvas-box ${size}"><canvas id="${id}" role="img" aria-label="${escapeHtml(ariaLabel)}">${escapeHtml(ariaLabel)}. The numbers are in the table below.</canvas></div>`;
	}
}
