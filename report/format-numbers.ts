const EMPTY = "—";

function fixedForMagnitude(value: number): string {
	const abs = Math.abs(value);
	if (abs === 0) return "0";
	if (abs < 1) return value.toFixed(3);
	if (abs < 10) return value.toFixed(2);
	if (abs < 100) return value.toFixed(1);
	return Math.round(value).toLocaleString("en-US");
}

/** Milliseconds with 3 significant-ish digits, e.g. `0.412`, `12.3`, `1,204`; "—" for null. */
export function formatMs(ms: number | null | undefined): string {
	return ms === null || ms === undefined || !Number.isFinite(ms) ? EMPTY : fixedForMagnitude(ms);
}

/** A microsecond value shown in milliseconds (the unit every latency table uses). */
export function formatUsAsMs(us: number | null | undefined): string {
	return us === null || us === undefined ? EMPTY : formatMs(us / 1000);
}

/** Integer with thousands separators; "—" for null. */
export function formatCount(value: number | null | undefined): string {
	return value === null || value === undefined ? EMPTY : Math.round(value).toLocaleString("en-US");
}

/** A rate such as requests per second. */
export function formatRate(value: number): string {
	return value >= 100 ? formatCount(value) : value.toFixed(1);
}

/** A fraction in [0, 1] as a percentage, e.g. `12.5 %`. */
export function formatPercent(fraction: number): string {
	return `${(fraction * 100).toFixed(fraction > 0 && fraction < 0.001 ? 3 : 1)} %`;
}

/** Signed milliseconds with an explicit sign, e.g. `+312`, `−40` (uses the minus sign). */
export function formatSignedMs(ms: number | null | undefined): string {
	if (ms === null || ms === undefined) return EMPTY;
	const text = fixedForMagnitude(Math.abs(ms));
	return ms > 0 ? `+${text}` : ms < 0 ? `−${text}` : "0";
}

/** Relative change from `before` to `after`, e.g. `+12.3 %`; "—" when undefined or either side was not measured. */
export function formatRelativeDelta(after: number | undefined, before: number | undefined): string {
	if (after === undefined || before === undefined) return EMPTY;
	if (before === 0) return after === 0 ? "0 %" : EMPTY;
	const delta = ((after - before) / before) * 100;
	const text = Math.abs(delta) >= 100 ? Math.round(Math.abs(delta)).toString() : Math.abs(delta).toFixed(1);
	return delta > 0 ? `+${text} %` : delta < 0 ? `−${text} %` : "0 %";
}
