/**
 * Whether an error means the database could not be reached or dropped the connection (a
 * blip, a restart, an operator terminating backends), as opposed to a query that failed:
 * callers wait and try again, or answer 503, instead of failing for good.
 */
const PG_CODES = new Set([
  '57P01', // admin_shutdown (pg_terminate_backend, a fast shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '08000', '08001', '08003', '08004', '08006', // connection exceptions
  '53300', // too_many_connections
]);
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);
const MESSAGES = /Connection terminated|connection (is )?closed|Client has encountered a connection error|terminating connection|the database system is (starting up|shutting down)|Knex: Timeout acquiring a connection/i;

export function isConnectionError(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && (PG_CODES.has(e.code) || NODE_CODES.has(e.code))) return true;
    if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
  }
  return false;
}

/** Runs `fn`, trying again while the database is unreachable (up to `forMs`); any other error is thrown at once. */
export async function retryWhileUnreachable<T>(fn: () => Promise<T>, opts: { forMs?: number; everyMs?: number } = {}): Promise<T> {
  const until = Date.now() + (opts.forMs ?? 120_000);
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!isConnectionError(err) || Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, opts.everyMs ?? 500));
    }
  }
}
