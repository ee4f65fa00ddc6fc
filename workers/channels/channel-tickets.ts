// Short-lived subscribe tickets for channels.
//
// Browsers cannot set an `Authorization` header on `new WebSocket(url)`, so a
// subscriber cannot present the bearer token the rest of the API uses (and
// putting the long-lived token itself in a URL would leak it into logs and
// history). Instead a trusted client that holds the token asks for a ticket
// (`POST /api/channels/{id}/tickets`) and hands it to whoever subscribes
// (`/subscribe?ticket=…`). A ticket:
//
//   * is bound to one channel id, so it cannot open any other channel;
//   * expires after TICKET_TTL_MS, so a leaked URL is useless a minute later
//     (it is only checked at the upgrade; an open connection stays open);
//   * is signed with HMAC-SHA256 under a key derived from BENCH_TOKEN, so the
//     Worker needs no storage to issue or check one, and nobody without the
//     secret can mint one.
//
// Format: base64url(JSON {"ch": channel, "exp": epoch ms}) "." base64url(HMAC).

/** How long a ticket may be used to open a subscription. */
export const TICKET_TTL_MS = 60_000;

/** A freshly issued ticket and the epoch milliseconds after which it is refused. */
export interface ChannelTicket {
	ticket: string;
	expiresAt: number;
}

/** Why a ticket was refused; each becomes a 401 with this code. */
export type TicketRejection = {
	code: "invalid_ticket" | "ticket_expired" | "ticket_wrong_channel";
	message: string;
};

interface TicketClaims {
	ch: string;
	exp: number;
}

/** Issue a ticket for `channel`, valid from `now` for TICKET_TTL_MS. */
export async function issueChannelTicket(
	secret: string,
	channel: string,
	now: number = Date.now(),
): Promise<ChannelTicket> {
	const claims: TicketClaims = { ch: channel, exp: now + TICKET_TTL_MS };
	const body = encoder.encode(JSON.stringify(claims));
	const signature = await crypto.subtle.sign("HMAC", await ticketKey(secret), body);
	return {
		ticket: `${toBase64Url(body)}.${toBase64Url(new Uint8Array(signature))}`,
		expiresAt: claims.exp,
	};
}

/**
 * Check a ticket for `channel` at time `now`. Returns null when it is valid,
 * otherwise why not. The signature is checked first, with
 * `crypto.subtle.verify`, which compares in constant time, so a forger learns
 * nothing from how long a rejection takes; only signed claims are read.
 */
export async function verifyChannelTicket(
	secret: string,
	channel: string,
	ticket: string,
	now: number = Date.now(),
): Promise<TicketRejection | null> {
	const forged: TicketRejection = {
		code: "invalid_ticket",
		message: "the ticket is malformed or was not signed by this Worker",
	};
	const parts = ticket.split(".");
	if (parts.length !== 2) return forged;
	const body = fromBase64Url(parts[0] ?? "");
	const signature = fromBase64Url(parts[1] ?? "");
	if (!body || !signature) return forged;
	const genuine = await crypto.subtle.verify("HMAC", await ticketKey(secret), signature, body);
	if (!genuine) return forged;

	const claims = JSON.parse(new TextDecoder().decode(body)) as TicketClaims;
	if (claims.ch !== channel) {
		return {
			code: "ticket_wrong_channel",
			message: `the ticket was issued for channel '${claims.ch}', not '${channel}'`,
		};
	}
	if (now >= claims.exp) {
		return {
			code: "ticket_expired",
			message: `the ticket expired at ${new Date(claims.exp).toISOString()}; ask for a new one (tickets last ${TICKET_TTL_MS / 1000} s)`,
		};
	}
	return null;
}

const encoder = new TextEncoder();
let cachedKey: { secret: string; key: CryptoKey } | undefined;

/**
 * The HMAC key, derived from BENCH_TOKEN with HKDF so that ticket signatures
 * and the bearer token are separate secrets: a ticket reveals nothing usable
 * as a token. Derived once per isolate and secret.
 */
async function ticketKey(secret: string): Promise<CryptoKey> {
	if (cachedKey?.secret === secret) return cachedKey.key;
	const base = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
	const key = await crypto.subtle.deriveKey(
		{
			name: "HKDF",
			hash: "SHA-256",
			salt: encoder.encode("workers-state-lab"),
			info: encoder.encode("channel-ticket-v1"),
		},
		base,
		{ name: "HMAC", hash: "SHA-256", length: 256 },
		false,
		["sign", "verify"],
	);
	cachedKey = { secret, key };
	return key;
}

function toBase64Url(bytes: Uint8Array): string {
	let binary = "";
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array | null {
	if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
	try {
		const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
		return Uint8Array.from(binary, (char) => char.charCodeAt(0));
	} catch {
		return null;
	}
}
