import { z } from 'zod';
import { refusalMessage, verifyV3 } from '../hubspot/signature';
import type { InstallServices } from '../install/services';
import { calledUri, signedBase } from './called-uri';

/**
 * Who is calling the card's backend. Every hubspot.fetch call carries
 * X-HubSpot-Signature-v3 over the URL HubSpot called (PUBLIC_URL + the path and query, to
 * which HubSpot appends portalId, userId, userEmail and appId; never the Host header: see
 * called-uri.ts) and the raw body, made within 5 minutes. The portal is
 * taken only from that signed query, so a user of one portal can never read or resync
 * another portal's record. Any HubSpot user who can see the record may call (no admin
 * rights needed).
 */
export interface CardRequest {
  method: string;
  /** The request's path and query as received (`req.url`); the URL checked is PUBLIC_URL + this. */
  path: string;
  rawBody: string;
  signature?: string;
  timestamp?: string;
  query: Record<string, unknown>;
}

export type CardCaller = { ok: true; connectionId: string; portalId: number } | { ok: false; status: number; body: unknown };

export type CardAuthenticator = (req: CardRequest) => Promise<CardCaller>;

const Signed = z.object({ portalId: z.coerce.number().int().positive() });
const CACHE_MS = 5000;

export function cardAuthenticator(s: InstallServices): CardAuthenticator {
  // Which connection a portal has changes rarely: cached for a few seconds (a disconnect is seen within them).
  const connections = new Map<number, { at: number; conn: { id: string; status: string } | undefined }>();
  const connectionOf = async (portalId: number) => {
    const hit = connections.get(portalId);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.conn;
    const conn = await s.knex('hubspot_connections').where({ portal_id: String(portalId) }).first('id', 'status');
    if (connections.size > 10_000) connections.clear();
    connections.set(portalId, { at: Date.now(), conn });
    return conn;
  };
  const base = signedBase(s.config);
  return async (req) => {
    const verdict = verifyV3({ secret: s.config.HUBSPOT_CLIENT_SECRET ?? '', method: req.method, uri: calledUri(base, req.path), rawBody: req.rawBody, signature: req.signature, timestamp: req.timestamp });
    if (!verdict.ok) {
      return { ok: false, status: 401, body: { error: { message: refusalMessage(verdict.reason) } } };
    }
    const signed = Signed.safeParse(req.query);
    if (!signed.success) return { ok: false, status: 400, body: { error: { message: 'portalId missing from the signed query', fields: [{ field: 'portalId', problem: 'is required' }] } } };
    const conn = await connectionOf(signed.data.portalId);
    if (!conn || conn.status !== 'connected') {
      return { ok: false, status: 409, body: { error: { code: 'ERR_OAUTH_REVOKED', message: 'Kustiq is not connected to this HubSpot portal: reconnect from Settings → Integrations.' } } };
    }
    return { ok: true, connectionId: conn.id, portalId: signed.data.portalId };
  };
}
