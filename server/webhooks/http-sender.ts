import http from 'node:http';
import https from 'node:https';
import ipaddr from 'ipaddr.js';
import { addressProblem, guardedLookup, TargetRefused } from './target-guard';
import { TIMEOUT_MS } from './retry-policy';

/**
 * One POST to a receiver: at most TIMEOUT_MS from the first byte sent to the last byte of
 * the answer, through keep-alive agents whose DNS lookup refuses non-public addresses.
 */
export interface SendResult { status: number | null; error: string | null; latencyMs: number; refusedTarget?: boolean }
export type Sender = (url: string, body: string, headers: Record<string, string>) => Promise<SendResult>;

export function httpSender(opts: { allowPrivate: boolean; timeoutMs?: number }): Sender {
  const lookup = guardedLookup(opts.allowPrivate);
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 256, lookup } as http.AgentOptions),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 256, lookup } as https.AgentOptions),
  };
  const timeoutMs = opts.timeoutMs ?? TIMEOUT_MS;
  const send: Sender = async (url, body, headers) => {
    const first = await sendOnce(url, body, headers);
    // A kept-alive socket the receiver closed just as we reused it: not the receiver's answer, so try once more at once.
    return first.staleSocket ? sendOnce(url, body, headers) : first;
  };
  const sendOnce = (url: string, body: string, headers: Record<string, string>) => new Promise<SendResult & { staleSocket?: boolean }>((resolve) => {
    const t0 = performance.now();
    const u = new URL(url);
    const done = (r: Omit<SendResult, 'latencyMs'> & { staleSocket?: boolean }) => resolve({ ...r, latencyMs: Math.round(performance.now() - t0) });
    // An address written in the URL is not looked up (the lookup's check never runs): check it here.
    const literal = u.hostname.replace(/^\[|\]$/g, '');
    if (!opts.allowPrivate && ipaddr.isValid(literal)) {
      const problem = addressProblem(literal);
      if (problem) return done({ status: null, error: `${u.host} is a non-public address (${problem})`, refusedTarget: true });
    }
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(u, {
      method: 'POST', agent: agents[u.protocol as 'http:' | 'https:'], lookup,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Kustiq-Webhooks/1', ...headers },
      signal: AbortSignal.timeout(timeoutMs),
    }, (res) => {
      // Drain (bounded): the answer's body is not used, only that it arrived in time.
      let seen = 0;
      res.on('data', (c: Buffer) => { seen += c.length; if (seen > 65_536) res.destroy(); });
      res.on('end', () => done({ status: res.statusCode ?? null, error: null }));
      res.on('error', (e) => done({ status: null, error: e.name === 'AbortError' ? `no answer within ${timeoutMs / 1000} s` : e.message }));
    });
    req.on('error', (e) => {
      if (req.reusedSocket && ['ECONNRESET', 'EPIPE'].includes((e as NodeJS.ErrnoException).code ?? '')) return done({ status: null, error: e.message, staleSocket: true });
      if (e instanceof TargetRefused || (e as { cause?: unknown }).cause instanceof TargetRefused) return done({ status: null, error: e.message, refusedTarget: true });
      done({ status: null, error: e.name === 'AbortError' || (e as NodeJS.ErrnoException).code === 'ABORT_ERR' ? `no answer within ${timeoutMs / 1000} s` : e.message });
    });
    req.end(body);
  });
  return send;
}
