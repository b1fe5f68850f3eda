import { createHmac, randomBytes } from 'node:crypto';

/**
 * The wire format receivers verify (interfaces.md §3): a JSON object whose top-level
 * `timestamp` (unix seconds, UTC) is fresh on every attempt, signed as the bare lowercase
 * hex HMAC-SHA256 of the exact body bytes, in X-Kustiq-Signature. Pure.
 */
export const SIGNATURE_HEADER = 'X-Kustiq-Signature';

export interface WireEvent {
  id: string;
  type: string;
  workspaceId: string;
  portalId: number | null;
  objectType: string | null;
  objectId: string | null;
  profileId: string | null;
  properties: Record<string, string>;
}

/** The body of one attempt: the event as it was committed, stamped now. */
export function deliveryBody(e: WireEvent, now: Date): string {
  return JSON.stringify({
    timestamp: Math.floor(now.getTime() / 1000), id: e.id, type: e.type, workspaceId: e.workspaceId, portalId: e.portalId,
    objectType: e.objectType, objectId: e.objectId, profileId: e.profileId, properties: e.properties,
  });
}

export function signBody(secret: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** A new workspace secret: 32 random bytes, printable, recognisable in a config file. */
export function generateSecret(): string {
  return `kqwh_${randomBytes(32).toString('base64url')}`;
}

/** What the dashboard shows of a secret after it was revealed once. */
export function secretHint(secret: string): string {
  return `${secret.slice(0, 5)}…${secret.slice(-4)}`;
}
