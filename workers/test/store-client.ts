import { exports } from "cloudflare:workers";
import type { StoreName } from "../stores/state-store.ts";

/** Every store, in the order DESIGN.md lists them. */
export const STORE_NAMES: StoreName[] = ["cache", "kv", "do", "d1", "r2"];

/** Stores with a correct (atomic) increment and compare-and-swap. */
export const ATOMIC_STORES: StoreName[] = ["do", "d1", "r2"];

/** A key no other test uses, so tests never see each other's state. */
export const uniqueKey = (label: string) => `${label}-${crypto.randomUUID()}`;

/** A response with its JSON body already read (null for an empty body). */
export interface Answer<T = Record<string, unknown>> {
	status: number;
	headers: Headers;
	body: T;
}

/** Call the Worker's HTTP API in-process, exactly as a client would over the network. */
export async function call<T = Record<string, unknown>>(
	method: string,
	path: string,
	body?: unknown,
	headers: Record<string, string> = {},
): Promise<Answer<T>> {
	const init: RequestInit = { method, headers: { ...headers } };
	if (body !== undefined) {
		init.body = JSON.stringify(body);
		init.headers = { ...headers, "content-type": "application/json" };
	}
	const res = await exports.default.fetch(`http://lab/api/${path}`, init);
	const text = await res.text();
	return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as T };
}

/** The error code and message of an error answer. */
export const errorOf = (answer: Answer) =>
	(answer.body as { error: { code: string; message: string } }).error;
