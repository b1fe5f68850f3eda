import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { z } from 'zod';
import { zodProblems } from '../errors/field-error';
import type { Logger } from '../log';
import { recordStatusView } from '../card/record-status';
import type { StatusReader } from '../card/status-reader';
import type { CardAuthenticator } from './card-auth';
import { answerFor, jsonBody } from './errors';

/**
 * GET /card/v1/record: what the card shows, on every record view in HubSpot. Answered by
 * plain node:http ahead of Express (see server.ts): this one read is most of the backend's
 * traffic, and Express' routing and response helpers cost more than the read itself. Same
 * contract as the Express routes: v3 signature (over PUBLIC_URL + the path and query, see
 * called-uri.ts), portal from the signed query, field-named 400s, generic 500s.
 */
export const CARD_STATUS_PATH = '/card/v1/record';

export const RecordQuery = z.object({
  objectType: z.enum(['companies', 'contacts'], { error: () => 'must be companies or contacts' }),
  objectId: z.string().regex(/^\d{1,20}$/, 'must be a HubSpot record id'),
});

export function isCardStatusRequest(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  return req.method === 'GET' && url.startsWith(CARD_STATUS_PATH) && (url.length === CARD_STATUS_PATH.length || url[CARD_STATUS_PATH.length] === '?');
}

export function cardStatusEndpoint(deps: { authenticate: CardAuthenticator; reader: StatusReader; docsBase: string; log: Logger; headers?: Readonly<Record<string, string>> }) {
  // The security headers (security-headers.ts) and the content type, as one array built once: writeHead takes it as is.
  const base: string[] = ['content-type', 'application/json; charset=utf-8'];
  for (const [k, v] of Object.entries(deps.headers ?? {})) base.push(k, v);
  const send = (res: ServerResponse, status: number, body: unknown, extra?: string[]) => {
    const json = JSON.stringify(body);
    res.writeHead(status, [...base, 'content-length', String(Buffer.byteLength(json)), ...(extra ?? [])]);
    res.end(json);
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const url = req.url ?? '';
      const q = url.indexOf('?');
      // node:querystring, as Express' default query parser: a repeated key is an array and fails validation.
      const query = q === -1 ? {} : parseQuery(url.slice(q + 1));
      const header = (name: string) => { const v = req.headers[name]; return typeof v === 'string' ? v : undefined; };
      const caller = await deps.authenticate({
        method: 'GET', path: url, rawBody: '', query,
        signature: header('x-hubspot-signature-v3'), timestamp: header('x-hubspot-request-timestamp'),
      });
      if (!caller.ok) return send(res, caller.status, caller.body);
      const p = RecordQuery.safeParse(query);
      if (!p.success) return send(res, 400, { error: { message: 'Invalid query', fields: zodProblems(p.error) } });
      const row = await deps.reader.read(caller.connectionId, p.data.objectType, p.data.objectId);
      send(res, 200, recordStatusView(row, p.data.objectType, p.data.objectId, deps.docsBase));
    } catch (err) {
      // Never echo internals: the message may hold upstream text; log it, answer generically.
      // The database unreachable for a moment answers 503 with Retry-After (errors.ts), anything else 500.
      const a = answerFor(err, CARD_STATUS_PATH);
      deps.log[a.level]({ err: { name: (err as Error).name, message: (err as Error).message }, path: CARD_STATUS_PATH, status: a.status }, 'request failed');
      if (!res.headersSent) send(res, a.status, jsonBody(a), a.retryAfter ? ['retry-after', String(a.retryAfter)] : undefined);
    }
  };
}
