import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../bench/target/wrangler-dev.ts";

// With a BENCH_TOKEN secret (given here as `wrangler dev --var`), every route
// except health, the store list and static pages needs the bearer token, and
// subscribers need a signed ticket. Every route × {no token, wrong token,
// right token}.

const TOKEN = "matrix-token-0123456789abcdef";
const STORES = ["cache", "kv", "do", "d1", "r2"] as const;

let dev: WranglerDev;
beforeAll(async () => {
	dev = await startWranglerDev({ vars: { BENCH_TOKEN: TOKEN } });
});
afterAll(async () => {
	await dev?.stop();
});

interface Route {
	method: string;
	path: string;
	body?: string;
}

function protectedRoutes(): Route[] {
	const routes: Route[] = [];
	for (const store of STORES) {
		const counter = `/api/${store}/counters/auth-key`;
		routes.push(
			{ method: "GET", path: counter },
			{ method: "PUT", path: counter, body: '{"value":1}' },
			{ method: "DELETE", path: counter },
			{ method: "POST", path: `${counter}/increment?mode=naive`, body: '{"by":1}' },
			{ method: "POST", path: `${counter}/cas`, body: '{"expected":null,"value":1}' },
			{ method: "POST", path: `/api/${store}/sessions`, body: '{"ttlSeconds":120}' },
			{ method: "GET", path: `/api/${store}/sessions/auth-session` },
			{ method: "PATCH", path: `/api/${store}/sessions/auth-session`, body: "{}" },
			{ method: "DELETE", path: `/api/${store}/sessions/auth-session` },
		);
	}
	routes.push(
		{ method: "POST", path: "/api/channels/auth-room/publish", body: '{"hello":1}' },
		{ method: "POST", path: "/api/channels/auth-room/tickets" },
		{ method: "GET", path: "/api/channels/auth-room" },
		{
			method: "POST",
			path: "/api/probes/visibility",
			body: '{"store":"kv","key":"auth-key","value":1,"regions":["weur"],"timeoutMs":100}',
		},
	);
	return routes;
}

async function send(route: Route, authorization?: string): Promise<{ status: number; code?: string }> {
	const res = await fetch(`${dev.url}${route.path}`, {
		method: route.method,
		body: route.body,
		headers: authorization ? { authorization } : {},
	});
	const text = await res.text();
	const code = text.startsWith("{")
		? (JSON.parse(text) as { error?: { code?: string } }).error?.code
		: undefined;
	return { status: res.status, code };
}

describe("bearer token on every protected route", () => {
	it.each(protectedRoutes().map((r) => [`${r.method} ${r.path}`, r] as const))("%s", async (_, route) => {
		expect(await send(route)).toEqual({ status: 401, code: "unauthorized" });
		expect(await send(route, "Bearer wrong-token")).toEqual({ status: 401, code: "unauthorized" });
		expect(await send(route, `Bearer ${TOKEN}x`)).toEqual({ status: 401, code: "unauthorized" });
		expect(await send(route, TOKEN)).toEqual({ status: 401, code: "unauthorized" });
		const right = await send(route, `Bearer ${TOKEN}`);
		expect(right.status, JSON.stringify(right)).not.toBe(401);
		expect(right.status).toBeLessThan(500);
	});

	it("keeps health, the store list and the playground open", async () => {
		expect((await fetch(`${dev.url}/api/health`)).status).toBe(200);
		expect((await fetch(`${dev.url}/api/stores`)).status).toBe(200);
		const page = await fetch(`${dev.url}/`);
		expect(page.status).toBe(200);
		expect(page.headers.get("content-type")).toContain("text/html");
	});
});

describe("subscribe tickets", () => {
	async function ticketFor(channel: string): Promise<string> {
		const res = await fetch(`${dev.url}/api/channels/${channel}/tickets`, {
			method: "POST",
			headers: { authorization: `Bearer ${TOKEN}` },
		});
		expect(res.status).toBe(200);
		return ((await res.json()) as { ticket: string }).ticket;
	}

	async function subscribeStatus(channel: string, query: string, authorization?: string) {
		const res = await fetch(`${dev.url}/api/channels/${channel}/subscribe${query}`, {
			headers: authorization ? { authorization } : {},
		});
		const body = (await res.json()) as { error: { code: string } };
		return { status: res.status, code: body.error.code };
	}

	it("refuses a missing, forged or other-channel ticket with 401 before the upgrade", async () => {
		expect((await subscribeStatus("room-a", "")).status).toBe(401);
		expect((await subscribeStatus("room-a", "", `Bearer ${TOKEN}`)).status).toBe(401);
		expect((await subscribeStatus("room-a", "?ticket=forged.ticket")).status).toBe(401);
		const ticketB = await ticketFor("room-b");
		expect((await subscribeStatus("room-a", `?ticket=${encodeURIComponent(ticketB)}`)).status).toBe(401);
	});

	it("accepts a valid ticket and delivers what is published", async () => {
		const ticket = await ticketFor("room-ok");
		const socket = new WebSocket(
			`${dev.url.replace("http", "ws")}/api/channels/room-ok/subscribe?ticket=${encodeURIComponent(ticket)}`,
		);
		const message = new Promise<{ seq: number; payload: unknown }>((resolve, reject) => {
			socket.addEventListener("message", (event) => resolve(JSON.parse(String(event.data))));
			socket.addEventListener("error", () => reject(new Error("socket error")));
		});
		await new Promise((resolve) => socket.addEventListener("open", resolve));
		const published = await fetch(`${dev.url}/api/channels/room-ok/publish`, {
			method: "POST",
			headers: { authorization: `Bearer ${TOKEN}` },
			body: '{"hi":"there"}',
		});
		expect(await published.json()).toEqual({ seq: 1, delivered: 1 });
		expect(await message).toMatchObject({ seq: 1, payload: { hi: "there" } });
		socket.close();
	});
});
