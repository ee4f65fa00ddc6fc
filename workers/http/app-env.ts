/** Hono's environment for this app: the Worker's bindings plus per-request variables. */
export type AppEnv = {
	Bindings: Env;
	Variables: {
		/** Milliseconds spent in store operations so far in this request (for Server-Timing). */
		storeMs: number;
	};
};
