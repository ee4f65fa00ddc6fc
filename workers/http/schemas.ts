import { z } from "zod";

/** Keys and ids: checked on the decoded path segment. */
export const KEY_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** Longest session TTL the API accepts (one year); each store may demand a longer minimum. */
export const MAX_TTL_SECONDS = 365 * 24 * 60 * 60;

/**
 * A whole number checked in the order a client needs to hear about it:
 * not a number → 400; not an integer → 400; a well-formed number outside
 * the accepted range (including JSON numbers too large for a double, which
 * parse as Infinity) → 422 `out_of_range`.
 */
function integerIn(min: number, max: number, unit: string) {
	return z.unknown().transform((value, ctx) => {
		if (typeof value !== "number" || Number.isNaN(value)) {
			ctx.addIssue({ code: "custom", message: `must be a number${unit}` });
			return z.NEVER;
		}
		if (Number.isFinite(value) && !Number.isInteger(value)) {
			ctx.addIssue({ code: "custom", message: `must be a whole number${unit}` });
			return z.NEVER;
		}
		if (!(value >= min && value <= max)) {
			ctx.addIssue({
				code: "custom",
				message: `must be between ${min} and ${max}${unit}`,
				params: { outOfRange: true },
			});
			return z.NEVER;
		}
		return value;
	});
}

/** A counter number: a safe integer (±2^53−1). */
export const safeInteger = integerIn(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, "");

const ttlSeconds = integerIn(1, MAX_TTL_SECONDS, " of seconds");

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
