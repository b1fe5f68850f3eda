import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { addressProblem, guardedLookup, TargetRefused } from './target-guard';
import { TIMEOUT_MS } from './retry-policy';

/**
 * One POST to a receiver, through keep-alive agents whose DNS lookup refuses non-public
 * addresses. Every attempt ends exactly once, within its deadline (TIMEOUT_MS for the whole
 * exchange: connecting, sending, the status line and the answer's body), whatever the
 * receiver does: an answer over MAX_ANSWER_BYTES, one that drips, one that never comes.
 * Whenever an attempt ends before its answer was read to the end, its socket is destroyed
 * (a half-read socket cannot be reused, and must not stay open on the receiver's terms).
 *
 * The status line is the receiver's verdict: once it has arrived within the deadline it
 * stands, even if the body is then cut off (noted in `error`); the body itself is never used.
 */
export interface SendResult { status: number | null; error: string | null; latencyMs: number; refusedTarget?: boolean }
export type Sender = (url: string, body: string, headers: Record<string, string>) => Promise<SendResult>;

/** Read this much of an answer at most: enough for any acknowledgement. */
export const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * A network error in words, without the address it concerned: the receiver's owner sees
 * these in the delivery log, and the address a name resolved to is ours to keep.
 */
const READABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused', ECONNRESET: 'connection reset by the receiver', EPIPE: 'connection closed by the receiver',
  ETIMEDOUT: 'connection timed out', EHOSTUNREACH: 'host unreachable', ENETUNREACH: 'network unreachable', EADDRNOTAVAIL: 'address not available',
  ENOTFOUND: 'the host name does not resolve', EAI_AGAIN: 'the host name could not be resolved (temporary DNS failure)', ENODATA: 'the host name has no address',
};
export function networkError(e: Error & { code?: string; syscall?: string }): string {
  if (e.code && READABLE[e.code]) return `${READABLE[e.code]} (${e.code})`;
  // Other system errors read "connect EXXX 10.1.2.3:443": keep the call and the code only.
  if (e.syscall && e.code) return `${e.syscall} failed (${e.code})`;
  return e.message;
}

export function httpSender(opts: { allowPrivate: boolean; timeoutMs?: number; maxAnswerBytes?: number }): Sender {
  const lookup = guardedLookup(opts.allowPrivate);
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 256, lookup } as http.AgentOptions),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 256, lookup } as https.AgentOptions),
  };
  const timeoutMs = opts.timeoutMs ?? TIMEOUT_MS;
  const maxAnswer = opts.maxAnswerBytes ?? MAX_ANSWER_BYTES;
  const seconds = `${timeoutMs / 1000} s`;

  const send: Sender = async (url, body, headers) => {
    const t0 = performance.now();
    const deadline = t0 + timeoutMs;
    const first = await sendOnce(url, body, headers, deadline);
    // A kept-alive socket the receiver closed just as we reused it: not the receiver's answer,
    // so try once more at once, within the same deadline.
    const res = first.staleSocket && performance.now() < deadline - 1 ? await sendOnce(url, body, headers, deadline) : first;
    const { staleSocket: _stale, ...result } = res;
    return { ...result, latencyMs: Math.round(performance.now() - t0) };
  };

  type Once = Omit<SendResult, 'latencyMs'> & { staleSocket?: boolean };
  const sendOnce = (url: string, body: string, headers: Record<string, string>, deadline: number) => new Promise<Once>((resolve) => {
    let req: http.ClientRequest | undefined;
    let status: number | null = null;
    let ended = false;
    const end = (r: Once, destroySocket: boolean) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      if (destroySocket) req?.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => end(status === null
      ? { status: null, error: `no answer within ${seconds}` }
      : { status, error: `answer not finished within ${seconds}: connection closed` }, true), Math.max(0, deadline - performance.now()));

    const u = new URL(url);
    // An address written in the URL is not looked up (the lookup's check never runs): check it
    // here, with the same test Node uses to skip the lookup.
    const literal = u.hostname.replace(/^\[|\]$/g, '');
    if (!opts.allowPrivate && net.isIP(literal)) {
      const problem = addressProblem(literal);
      if (problem) return end({ status: null, error: `${u.host} is a non-public address (${problem})`, refusedTarget: true }, false);
    }
    const mod = u.protocol === 'https:' ? https : http;
    try {
      req = mod.request(u, {
        method: 'POST', agent: agents[u.protocol as 'http:' | 'https:'], lookup,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Kustiq-Webhooks/1', ...headers },
      }, (res) => {
        status = res.statusCode ?? null;
        // Read (and drop) the answer so the socket can be reused, up to the cap.
        let seen = 0;
        res.on('data', (c: Buffer) => {
          seen += c.length;
          if (seen > maxAnswer) end({ status, error: `answer over ${Math.round(maxAnswer / 1024)} KB: connection closed` }, true);
        });
        res.on('end', () => end({ status, error: null }, false));
        res.on('error', (e) => end({ status, error: networkError(e) }, true));
        res.on('close', () => { if (!res.complete) end({ status, error: 'answer cut short by the receiver' }, true); });
      });
    } catch (e) {
      return end({ status: null, error: (e as Error).message }, false);
    }
    req.on('error', (e) => {
      if (req!.reusedSocket && status === null && ['ECONNRESET', 'EPIPE'].includes((e as NodeJS.ErrnoException).code ?? '')) return end({ status: null, error: networkError(e), staleSocket: true }, true);
      if (e instanceof TargetRefused || (e as { cause?: unknown }).cause instanceof TargetRefused) return end({ status: null, error: e.message, refusedTarget: true }, true);
      end({ status: null, error: networkError(e) }, true);
    });
    req.end(body);
  });
  return send;
}
