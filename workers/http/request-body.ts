import type { Context } from "hono";
import type { z } from "zod";
import { ApiError } from "./api-error.ts";

/** Request bodies (publish payloads included) larger than this answer 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Read the raw body, enforcing the 64 KiB limit both on the declared
 * Content-Length and on the bytes actually received (chunked uploads have no
 * Content-Length). Returns "" for an empty body.
 */
export async function readBodyText(c: Context): Promise<string> {
	const declared = Number(c.req.header("content-length") ?? "0");
	if (declared > MAX_BODY_BYTES) throw tooLarge();
	const bytes = new Uint8Array(await c.req.arrayBuffer());
	if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge();
	try {
		return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
	} catch {
		throw new ApiError(400, "invalid_body", "the request body is not valid UTF-8");
	}
}

/** Parse the body as JSON; an empty body yields `undefined`. */
export async function readJsonBody(c: Context): Promise<unknown> {
	const text = await readBodyText(c);
	if (text.trim() === "") return undefined;
	try {
		return JSON.parse(text);
	} catch {
		throw new ApiError(400, "invalid_json", "the request body is not valid JSON");
	}
}

/**
 * Parse and validate a JSON body against a zod schema. An empty body is
 * validated as `{}` so that schemas with defaults accept it. Type errors
 * answer 400; `out_of_range` refinements answer 422.
 */
export async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
	const parsed = await readJsonBody(c);
	const body = parsed === undefined ? {} : parsed;
	const result = schema.safeParse(body);
	if (result.success) return result.data;
	const issue = result.error.issues[0];
	const path = issue?.path.length ? issue.path.join(".") : "body";
	const message = `${path}: ${issue?.message ?? "invalid value"}`;
	if (issue?.code === "custom" && issue.params?.outOfRange) {
		throw new ApiError(422, "out_of_range", message);
	}
	throw new ApiError(400, "invalid_body", message);
}

function tooLarge(): ApiError {
	return new ApiError(
		413,
		"payload_too_large",
		`request bodies are limited to ${MAX_BODY_BYTES} bytes (64 KiB)`,
	);
}
