// Browser side of the report: turns the chart descriptions embedded in the page (#chart-specs) into
// Chart.js charts, and switches between the light and dark theme. It runs from file:// with no
// network, after the inlined Chart.js UMD bundle. Animations are off so every chart is fully drawn
// as soon as it is created; window.__chartsDrawn records when that happened (used by the benchmark).
(() => {
	const root = document.documentElement;
	const darkQuery = window.matchMedia("(prefers-color-scheme: dark)");
	const charts = [];

	function cssVar(name) {
		return getComputedStyle(root).getPropertyValue(name).trim();
	}

	function seriesColor(key) {
		return cssVar(`--c-${key}`) || cssVar("--c-worker");
	}

	function effectiveTheme() {
		return root.dataset.theme || (darkQuery.matches ? "dark" : "light");
	}

	function formatValue(value, format) {
		if (format === "percent") return `${Math.round(value * 10) / 10} %`;
		if (format === "second") return `${value} s`;
		if (format === "ms") {
			if (value >= 100) return String(Math.round(value));
			if (value >= 1) return String(Math.round(value * 10) / 10);
			return String(Math.round(value * 1000) / 1000);
		}
		return String(value);
	}

	// Ticks 1, 2, 5, 10, 20, 50 … inside [min, max] for logarithmic latency axes.
	function oneTwoFiveTicks(min, max) {
		const ticks = [];
		for (let exponent = Math.floor(Math.log10(min)) - 1; exponent <= Math.ceil(Math.log10(max)); exponent++) {
			for (const mantissa of [1, 2, 5]) {
				const value = mantissa * 10 ** exponent;
				if (value >= min * 0.999 && value <= max * 1.001) ticks.push({ value });
			}
		}
		return ticks;
	}

	// x = 1 / (1 − p): ticks at 0 %, 50 %, 90 %, 99 %, 99.9 % …
	function ninesTicks(max) {
		const ticks = [{ value: 1 }, { value: 2 }];
		for (let value = 10; value <= max * 1.001; value *= 10) ticks.push({ value });
		return ticks;
	}

	function ninesLabel(value) {
		if (value <= 1) return "0 %";
		const percentile = 100 - 100 / value;
		const decimals = Math.max(0, Math.round(Math.log10(value)) - 2);
		return `${percentile.toFixed(decimals)} %`;
	}

	function tooltipTitle(spec, item) {
		if (!item) return "";
		if (spec.x.scale === "category") return item.label;
		const x = item.parsed.x;
		if (spec.x.scale === "nines") return `${spec.x.title} ${ninesLabel(x)}`;
		return `${spec.x.title}: ${formatValue(x, spec.x.format)}`;
	}

	function axisOptions(spec, theme) {
		const options = {
			title: { display: true, text: spec.title, color: theme.text, font: { size: 15, weight: "600" } },
			ticks: { color: theme.muted, font: { size: 14 } },
			grid: { color: theme.grid },
			border: { color: theme.grid },
		};
		if (spec.min !== undefined) options.min = spec.min;
		if (spec.max !== undefined) options.max = spec.max;
		if (spec.scale === "category") {
			options.type = "category";
			options.grid = { display: false };
			options.ticks.autoSkip = false;
		} else if (spec.scale === "linear") {
			options.type = "linear";
			if (spec.format === "second") options.ticks.stepSize = 1;
			options.ticks.callback = (value) => formatValue(value, spec.format);
		} else if (spec.scale === "log") {
			options.type = "logarithmic";
			options.afterBuildTicks = (scale) => {
				scale.ticks = oneTwoFiveTicks(scale.min, scale.max);
			};
			options.ticks.callback = (value) => formatValue(value, spec.format);
		} else {
			options.type = "logarithmic";
			options.min = 1;
			options.afterBuildTicks = (scale) => {
				scale.ticks = ninesTicks(scale.max);
			};
			options.ticks.callback = (value) => ninesLabel(value);
		}
		return options;
	}

	function datasets(spec) {
		return spec.series.map((series) => {
			const color = seriesColor(series.color);
			if (spec.type === "bar") {
				return {
					label: series.label,
					data: series.values,
					backgroundColor: color,
					borderColor: color,
					colorKey: series.color,
				};
			}
			return {
				label: series.label,
				data: series.points,
				borderColor: color,
				backgroundColor: color,
				borderWidth: 3,
				borderDash: series.dashed ? [10, 6] : [],
				pointRadius: spec.x.scale === "nines" ? 0 : 2.5,
				pointHoverRadius: 5,
				stepped: spec.stepped ? "after" : false,
				spanGaps: false,
				tension: 0,
				colorKey: series.color,
			};
		});
	}

	function themeColors() {
		return { text: cssVar("--text"), muted: cssVar("--muted"), grid: cssVar("--grid") };
	}

	function chartConfig(spec) {
		const theme = themeColors();
		const valueFormat = spec.y.format;
		return {
			type: spec.type,
			data: { labels: spec.labels, datasets: datasets(spec) },
			options: {
				animation: false,
				responsive: true,
				maintainAspectRatio: false,
				parsing: spec.type === "bar" ? undefined : { xAxisKey: "x", yAxisKey: "y" },
				interaction: { mode: "nearest", intersect: false },
				scales: { x: axisOptions(spec.x, theme), y: axisOptions(spec.y, theme) },
				plugins: {
					legend: {
						position: "bottom",
						labels: { color: theme.text, font: { size: 14 }, boxWidth: 28, padding: 14 },
					},
					tooltip: {
						callbacks: {
							title: (items) => tooltipTitle(spec, items[0]),
							label: (item) =>
								`${item.dataset.label}: ${formatValue(item.parsed.y, valueFormat)}${valueFormat === "ms" ? " ms" : ""}`,
						},
					},
				},
			},
		};
	}

	function restyle(chart) {
		const theme = themeColors();
		for (const axis of Object.values(chart.options.scales)) {
			axis.title.color = theme.text;
			axis.ticks.color = theme.muted;
			if (axis.grid.display !== false) axis.grid.color = theme.grid;
			axis.border.color = theme.grid;
		}
		chart.options.plugins.legend.labels.color = theme.text;
		for (const dataset of chart.data.datasets) {
			const color = seriesColor(dataset.colorKey);
			dataset.borderColor = color;
			dataset.backgroundColor = color;
		}
		chart.update("none");
	}

	function updateToggle() {
		const toggle = document.getElementById("theme-toggle");
		if (toggle) {
			const dark = effectiveTheme() === "dark";
			toggle.setAttribute("aria-pressed", String(dark));
			toggle.textContent = dark ? "☀ Light theme" : "☾ Dark theme";
		}
	}

	function restyleAll() {
		for (const chart of charts) restyle(chart);
		updateToggle();
	}

	function setTheme(theme) {
		root.dataset.theme = theme;
		restyleAll();
	}

	function drawCharts() {
		const specs = JSON.parse(document.getElementById("chart-specs").textContent);
		Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
		for (const spec of specs) {
			const canvas = document.getElementById(spec.id);
			charts.push(new Chart(canvas, chartConfig(spec)));
		}
		window.__chartsDrawn = performance.now();
		root.dataset.chartsDrawn = String(charts.length);
	}

	// Paper is white: print in the light theme with every "numbers" table expanded, then restore.
	let beforePrint = null;
	window.addEventListener("beforeprint", () => {
		beforePrint = {
			theme: root.dataset.theme,
			closed: [...document.querySelectorAll("details:not([open])")],
		};
		for (const details of beforePrint.closed) details.open = true;
		root.dataset.theme = "light";
		restyleAll();
		for (const chart of charts) chart.resize();
	});
	window.addEventListener("afterprint", () => {
		if (!beforePrint) return;
		for (const details of beforePrint.closed) details.open = false;
		if (beforePrint.theme) root.dataset.theme = beforePrint.theme;
		else delete root.dataset.theme;
		beforePrint = null;
		restyleAll();
	});

	darkQuery.addEventListener("change", restyleAll);
	document.addEventListener("DOMContentLoaded", () => {
		document.getElementById("theme-toggle")?.addEventListener("click", () => {
			setTheme(effectiveTheme() === "dark" ? "light" : "dark");
		});
		drawCharts();
		updateToggle();
	});
})();
