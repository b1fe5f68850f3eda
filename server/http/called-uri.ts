import type { IncomingMessage } from 'node:http';

/**
 * The URL a request was made to, as its sender saw it: what HubSpot's v3 signature covers.
 * Behind a proxy the protocol is X-Forwarded-Proto's first value, as Express' `trust proxy`.
 */
export function calledUri(req: IncomingMessage, path = req.url ?? '/'): string {
  const forwarded = req.headers['x-forwarded-proto'];
  const proto = (typeof forwarded === 'string' && forwarded.split(',')[0]!.trim()) || ('encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http');
  return `${proto}://${req.headers.host ?? ''}${path}`;
}
