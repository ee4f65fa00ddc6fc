import type { IncomingHttpHeaders } from "node:http";
import { type Dispatcher, Pool } from "undici";
import { type GeneratorHealth, startEventLoopMonitor } from "./event-loop-monitor.ts";
import { LatencyHistogram, type LatencyPercentiles } from "./latency-histogram.ts";

/** One HTTP request the engine sends. `path` includes the query string. */
export interface LoadRequest {
	method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
	path: string;
	headers?: Record<string, string>;
	body?: string;
}

/** How a failed request is counted. A 429 is rate limiting, not a store failure. */
export type ErrorKind = "http_4xx" | "http_429" | "http_5xx" | "timeout" | "connection" | "other";

export const ERROR_KINDS: readonly ErrorKind[] = [
	"http_4xx",
	"http_429",
	"http_5xx",
	"timeout",
	"connection",
	"other",
];

export interface LoadOptions {
	/** Scheme, host and port, e.g. `http://127.0.0.1:8787`. */
	origin: string;
	/** The request to send, or a function of the request's sequence number (0, 1, 2, …). */
	request: LoadRequest | ((seq: number) => LoadRequest);
	/** Keep-alive connections; in the closed model also the number of requests in flight. */
	connections: number;
	/** Measured duration (after warm-up), ms. */
	durationMs: number;
	/** Warm-up before measuring, ms (requests are sent but not counted). */
	warmupMs?: number;
	/** Open model: requests per second at a constant arrival rate. Closed model when omitted. */
	ratePerSecond?: number;
	/** Per-request timeout for connect, headers and body, ms (default 5000). */
	timeoutMs?: number;
	/** Headers added to every request (e.g. `authorization`). */
	headers?: Record<string, string>;
	/** A `Server-Timing` metric name whose `dur` is recorded separately (e.g. `store`). */
	serverTimingMetric?: string;
	/** Receives the body of every measured response; without it bodies are discarded unread. */
	onBody?: (status: number, body: string) => void;
	/** Called once per measured second with that second's figures. */
	onSecond?: (point: TimelinePoint) => void;
	/** Abort the run early (in-flight requests are cancelled and not counted). */
	signal?: AbortSignal;
}

/** One second of the measured period. */
export interface TimelinePoint {
	second: number;
	requests: number;
	errors: number;
	/** null for a second in which no request succeeded. */
	p50Us: number | null;
	p99Us: number | null;
}

/** A histogram both summarized and encoded (compressed base64, mergeable). */
export interface HistogramData {
	percentiles: LatencyPercentiles;
	encoded: string;
}

/** What one run measured; plain serializable data. */
export interface LoadResult {
	model: "closed" | "open";
	connections: number;
	ratePerSecond: number | null;
	warmupS: number;
	/** Measured wall time in seconds (shorter than asked when aborted). */
	durationS: number;
	/** Responses and failures of requests that started in the measured period. */
	requests: number;
	ok: number;
	errors: number;
	errorsByKind: Record<ErrorKind, number>;
	/** Up to five distinct error descriptions, to say what went wrong. */
	errorSamples: string[];
	rps: number;
	/** Latency of successful responses; in the open model measured from the *intended* start time. */
	latency: HistogramData;
	/** Open model only: the same responses measured from the actual send time (coordinated omission kept). */
	uncorrectedLatency: HistogramData | null;
	/** The `Server-Timing` metric asked for, when responses carried it. */
	serverTiming: HistogramData | null;
	/** Open model only: scheduling figures. */
	schedule: {
		intended: number;
		started: number;
		/** Starts that happened more than one interval (and ≥ 2 ms) after their intended time. */
		late: number;
		/** Intended starts never sent before the period ended. */
		dropped: number;
		maxStartDelayUs: number;
	} | null;
	timeline: TimelinePoint[];
	/** `cf-ray` of the first response that had one, and its colo suffix. */
	cfRay: string | null;
	colo: string | null;
	generator: GeneratorHealth;
	/** Why the run stopped early, or null. */
	aborted: string | null;
}

const CONNECTION_CODES = new Set([
	"ECONNREFUSED",
	"ECONNRESET",
	"EPIPE",
	"ENOTFOUND",
	"EHOSTUNREACH",
	"ENETUNREACH",
	"EAI_AGAIN",
	"UND_ERR_SOCKET",
	"UND_ERR_CLOSED",
]);
const TIMEOUT_CODES = new Set([
	"UND_ERR_HEADERS_TIMEOUT",
	"UND_ERR_BODY_TIMEOUT",
	"UND_ERR_CONNECT_TIMEOUT",
	"ETIMEDOUT",
]);

/** Classify a failed request by its status code or network error. */
export function classifyError(status: number | null, error?: Error & { code?: string }): ErrorKind {
	if (status !== null) {
		if (status === 429) return "http_429";
		if (status >= 500) return "http_5xx";
		return "http_4xx";
	}
	const code = error?.code ?? "";
	if (TIMEOUT_CODES.has(code)) return "timeout";
	if (CONNECTION_CODES.has(code)) return "connection";
	return "other";
}

/** `dur` (ms) of one metric in a `Server-Timing` header, or null. */
export function parseServerTiming(header: string | string[] | undefined, metric: string): number | null {
	if (header === undefined) return null;
	for (const entry of (Array.isArray(header) ? header.join(",") : header).split(",")) {
		const parts = entry.split(";").map((p) => p.trim());
		if (parts[0] !== metric) continue;
		for (const param of parts.slice(1)) {
			const match = /^dur=([0-9.]+)$/.exec(param);
			if (match?.[1]) return Number(match[1]);
		}
	}
	return null;
}

/** The colo (data center code) at the end of a `cf-ray` header such as `8f1c2a3b4c5d6e7f-NRT`. */
export function coloOf(cfRay: string | null): string | null {
	const match = cfRay ? /-([A-Z]{3})$/.exec(cfRay) : null;
	return match?.[1] ?? null;
}

interface Outcome {
	status: number | null;
	error?: Error & { code?: string };
	headers?: IncomingHttpHeaders;
	body?: string;
}

/** Send one request on the pool and resolve with its outcome (never rejects). */
function send(pool: Pool, request: LoadRequest, headers: Record<string, string>, wantBody: boolean) {
	return new Promise<Outcome>((resolve) => {
		let status: number | null = null;
		let responseHeaders: IncomingHttpHeaders | undefined;
		const chunks: Buffer[] = [];
		const handler: Dispatcher.DispatchHandler = {
			onRequestStart() {},
			onResponseStart(_controller, statusCode, resHeaders) {
				status = statusCode;
				responseHeaders = resHeaders;
			},
			onResponseData(_controller, chunk) {
				// Error bodies are kept too (they are short and say what went wrong).
				if (wantBody || (status !== null && status >= 400)) chunks.push(chunk);
			},
			onResponseEnd() {
				resolve({
					status,
					headers: responseHeaders,
					body: chunks.length > 0 ? Buffer.concat(chunks).toString() : undefined,
				});
			},
			onResponseError(_controller, error) {
				resolve({ status: null, error });
			},
		};
		const requestHeaders = request.headers ? { ...headers, ...request.headers } : headers;
		if (request.body !== undefined && !("content-type" in requestHeaders)) {
			pool.dispatch(
				{
					path: request.path,
					method: request.method,
					headers: { ...requestHeaders, "content-type": "application/json" },
					body: request.body,
				},
				handler,
			);
		} else {
			pool.dispatch(
				{ path: request.path, method: request.method, headers: requestHeaders, body: request.body },
				handler,
			);
		}
	});
}

/**
 * Run load against one origin and measure it.
 *
 * Closed model: `connections` loops, each sending its next request when the previous answered.
 * Open model (`ratePerSecond`): requests are due at fixed intervals whatever happens; latency is
 * measured from the intended start, so a stalled target shows up as the wait it caused
 * (coordinated omission corrected), and the send-to-answer figure is kept beside it.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
	const timeoutMs = options.timeoutMs ?? 5000;
	const warmupMs = options.warmupMs ?? 0;
	const open = options.ratePerSecond !== undefined && options.ratePerSecond > 0;
	const connections = Math.max(1, Math.floor(options.connections));
	const pool = new Pool(options.origin, {
		connections,
		pipelining: 1,
		connectTimeout: timeoutMs,
		headersTimeout: timeoutMs,
		bodyTimeout: timeoutMs,
		keepAliveTimeout: 30_000,
	});
	const makeRequest =
		typeof options.request === "function" ? options.request : () => options.request as LoadRequest;
	const baseHeaders = options.headers ?? {};
	const wantBody = options.onBody !== undefined;

	const latency = new LatencyHistogram();
	const uncorrected = open ? new LatencyHistogram() : null;
	const serverTiming = options.serverTimingMetric ? new LatencyHistogram() : null;
	const second = new LatencyHistogram();
	const errorsByKind = Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<ErrorKind, number>;
	const errorSamples: string[] = [];
	const timeline: TimelinePoint[] = [];
	let requests = 0;
	let ok = 0;
	let errors = 0;
	let secondRequests = 0;
	let secondErrors = 0;
	let cfRay: string | null = null;
	let aborted: string | null = null;
	let stopped = false;

	const monitor = startEventLoopMonitor();
	const t0 = performance.now();
	const measureStart = t0 + warmupMs;
	const measureEnd = measureStart + options.durationMs;
	let measuredUntil = measureEnd;

	const flushSecond = () => {
		const point: TimelinePoint = {
			second: timeline.length + 1,
			requests: secondRequests,
			errors: secondErrors,
			p50Us: second.count > 0 ? second.percentile(50) : null,
			p99Us: second.count > 0 ? second.percentile(99) : null,
		};
		timeline.push(point);
		options.onSecond?.(point);
		second.reset();
		secondRequests = 0;
		secondErrors = 0;
	};
	let secondTimer: NodeJS.Timeout | undefined;
	const warmupTimer = setTimeout(() => {
		secondTimer = setInterval(flushSecond, 1000);
	}, warmupMs);

	const record = (outcome: Outcome, intendedAt: number, sentAt: number) => {
		if (stopped && aborted) return;
		const doneAt = performance.now();
		if (intendedAt < measureStart) return;
		requests++;
		secondRequests++;
		if (outcome.status !== null && outcome.status < 400) {
			ok++;
			const us = (doneAt - intendedAt) * 1000;
			latency.record(us);
			second.record(us);
			uncorrected?.record((doneAt - sentAt) * 1000);
			if (serverTiming && outcome.headers) {
				const dur = parseServerTiming(outcome.headers["server-timing"], options.serverTimingMetric as string);
				if (dur !== null) serverTiming.record(dur * 1000);
			}
		} else {
			errors++;
			secondErrors++;
			const kind = classifyError(outcome.status, outcome.error);
			errorsByKind[kind]++;
			if (errorSamples.length < 5) {
				const text =
					outcome.status !== null
						? `HTTP ${outcome.status}${outcome.body ? `: ${outcome.body.slice(0, 200)}` : ""}`
						: `${outcome.error?.code ?? outcome.error?.name ?? "error"}: ${outcome.error?.message ?? ""}`;
				if (!errorSamples.includes(text)) errorSamples.push(text);
			}
		}
		if (cfRay === null && outcome.headers?.["cf-ray"]) cfRay = String(outcome.headers["cf-ray"]);
		if (wantBody && outcome.status !== null) options.onBody?.(outcome.status, outcome.body ?? "");
	};

	let seq = 0;
	// `stopped` ends the sending; `abortedRun` settles only on abort, so waiting stops at once.
	let markAborted: () => void = () => {};
	const abortedRun = new Promise<void>((resolveAbort) => {
		markAborted = resolveAbort;
	});
	const onAbort = () => {
		if (aborted !== null) return;
		aborted = String(options.signal?.reason ?? "aborted");
		stopped = true;
		measuredUntil = Math.min(measureEnd, performance.now());
		markAborted();
	};
	options.signal?.addEventListener("abort", onAbort, { once: true });
	if (options.signal?.aborted) onAbort();
	const endTimer = setTimeout(() => {
		stopped = true;
	}, warmupMs + options.durationMs);

	let schedule: LoadResult["schedule"] = null;
	if (!open) {
		const loop = async () => {
			while (!stopped) {
				const sentAt = performance.now();
				const outcome = await send(pool, makeRequest(seq++), baseHeaders, wantBody);
				record(outcome, sentAt, sentAt);
				// A refused or timed-out connection answers instantly; back off briefly instead of spinning.
				if (outcome.status === null && !stopped) await new Promise((r) => setTimeout(r, 50));
			}
		};
		await Promise.race([Promise.all(Array.from({ length: connections }, loop)), abortedRun]);
	} else {
		const interval = 1000 / (options.ratePerSecond as number);
		const total = Math.floor((warmupMs + options.durationMs) / interval);
		const lateThreshold = Math.max(2, interval);
		let started = 0;
		let inFlight = 0;
		let late = 0;
		let maxStartDelay = 0;
		let wake: NodeJS.Timeout | undefined;
		let allDone: () => void = () => {};
		const drained = new Promise<void>((r) => {
			allDone = r;
		});
		const pump = () => {
			wake = undefined;
			if (stopped) {
				if (inFlight === 0) allDone();
				return;
			}
			const now = performance.now();
			const due = Math.min(total, Math.floor((now - t0) / interval) + 1);
			while (started < due && inFlight < connections) {
				const intendedAt = t0 + started * interval;
				const delay = now - intendedAt;
				if (intendedAt >= measureStart) {
					if (delay > lateThreshold) late++;
					if (delay > maxStartDelay) maxStartDelay = delay;
				}
				started++;
				inFlight++;
				void send(pool, makeRequest(seq++), baseHeaders, wantBody).then((outcome) => {
					inFlight--;
					record(outcome, intendedAt, now);
					if (stopped && inFlight === 0) allDone();
					else if (!wake) pump();
				});
			}
			if (started >= total) {
				if (inFlight === 0) allDone();
				return;
			}
			if (started < due) return; // every connection busy: the next completion pumps again
			const nextAt = t0 + started * interval;
			wake = setTimeout(pump, Math.max(0, nextAt - performance.now()));
		};
		pump();
		await Promise.race([drained, abortedRun]);
		if (wake) clearTimeout(wake);
		const firstMeasured = Math.ceil(warmupMs / interval - 1e-9);
		const endIndex = aborted ? Math.min(total, Math.ceil((measuredUntil - t0) / interval - 1e-9)) : total;
		const intended = Math.max(0, endIndex - firstMeasured);
		const startedMeasured = Math.max(0, Math.min(started, endIndex) - firstMeasured);
		schedule = {
			intended,
			started: startedMeasured,
			late,
			dropped: intended - startedMeasured,
			maxStartDelayUs: Math.round(maxStartDelay * 1000),
		};
	}
	clearTimeout(endTimer);
	options.signal?.removeEventListener("abort", onAbort);
	clearTimeout(warmupTimer);
	if (secondTimer) clearInterval(secondTimer);
	if (secondRequests > 0 || secondErrors > 0) flushSecond();
	const generator = monitor.stop();
	if (aborted) await pool.destroy().catch(() => {});
	else await pool.close().catch(() => {});

	const durationS = Math.max(0, measuredUntil - measureStart) / 1000;
	const data = (h: LatencyHistogram): HistogramData => ({
		percentiles: h.percentiles(),
		encoded: h.encode(),
	});
	return {
		model: open ? "open" : "closed",
		connections,
		ratePerSecond: open ? (options.ratePerSecond as number) : null,
		warmupS: warmupMs / 1000,
		durationS,
		requests,
		ok,
		errors,
		errorsByKind,
		errorSamples,
		rps: durationS > 0 ? Math.round((requests / durationS) * 10) / 10 : 0,
		latency: data(latency),
		uncorrectedLatency: uncorrected ? data(uncorrected) : null,
		serverTiming: serverTiming && serverTiming.count > 0 ? data(serverTiming) : null,
		schedule,
		timeline,
		cfRay,
		colo: coloOf(cfRay),
		generator,
		aborted,
	};
}
