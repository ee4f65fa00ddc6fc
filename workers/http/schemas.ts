import { z } from "zod";

/** Keys and ids: checked on the decoded path segment. */
export const KEY_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** Longest session TTL the API accepts (one year); each store may demand a longer minimum. */
export const MAX_TTL_SECONDS = 365 * 24 * 60 * 60;

/**
 * A counter number: must be an integer (400 otherwise) and a safe one
 * (422 `out_of_range` otherwise, since 2^60 is well-formed but unsupported).
 */
export const safeInteger = z
	.number({ error: "must be a number" })
	.refine(Number.isInteger, { message: "must be an integer" })
	.superRefine((value, ctx) => {
		if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
			ctx.addIssue({
				code: "custom",
				message: `must be a safe integer (between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER})`,
				params: { outOfRange: true },
			});
		}
	});

const ttlSeconds = z
	.number({ error: "must be a number of seconds" })
	.refine(Number.isInteger, { message: "must be a whole number of seconds" })
	.superRefine((value, ctx) => {
		if (Number.isInteger(value) && (value < 1 || value > MAX_TTL_SECONDS)) {
			ctx.addIssue({
				code: "custom",
				message: `must be between 1 and ${MAX_TTL_SECONDS} seconds`,
				params: { outOfRange: true },
			});
		}
	});

const sessionData = z.record(z.string(), z.unknown(), { error: "must be a JSON object" });

export const incrementBody = z.strictObject({ by: safeInteger.default(1) });
export const putCounterBody = z.strictObject({ value: safeInteger });
export const casBody = z.strictObject({ expected: safeInteger.nullable(), value: safeInteger });
export const createSessionBody = z.strictObject({
	data: sessionData.default({}),
	ttlSeconds: ttlSeconds.default(3600),
});
export const patchSessionBody = z.strictObject({
	data: sessionData.optional(),
	ttlSeconds: ttlSeconds.optional(),
});
