import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * X-HubSpot-Signature-v3, as HubSpot signs webhooks and hubspot.fetch calls (platform.md
 * §6): base64 HMAC-SHA256 with the app's client secret over method + URI + raw body +
 * timestamp, where the URI has exactly these escapes decoded; older than 5 minutes is
 * refused. Compared in constant time.
 */
export const MAX_AGE_MS = 5 * 60_000;

const DECODE: Record<string, string> = {
  '%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$', '%27': "'", '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';',
};

export function decodeUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODE[m.toUpperCase()]!);
}

export function signV3(secret: string, method: string, uri: string, rawBody: string, timestamp: string | number): string {
  return createHmac('sha256', secret).update(`${method}${decodeUri(uri)}${rawBody}${timestamp}`, 'utf8').digest('base64');
}

export type SignatureVerdict = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'mismatch' };

export function verifyV3(input: { secret: string; method: string; uri: string; rawBody: string; signature?: string; timestamp?: string; now?: number }): SignatureVerdict {
  const { signature, timestamp } = input;
  if (!signature || !timestamp || !/^\d+$/.test(timestamp)) return { ok: false, reason: 'missing' };
  const age = (input.now ?? Date.now()) - Number(timestamp);
  if (age > MAX_AGE_MS || age < -MAX_AGE_MS) return { ok: false, reason: 'stale' };
  const want = Buffer.from(signV3(input.secret, input.method.toUpperCase(), input.uri, input.rawBody, timestamp));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got) ? { ok: true } : { ok: false, reason: 'mismatch' };
}

/** What a refused request is told (HubSpot's webhooks and the card's fetches alike). */
export function refusalMessage(reason: 'missing' | 'stale' | 'mismatch'): string {
  return reason === 'stale' ? 'X-HubSpot-Request-Timestamp is older than 5 minutes' : 'X-HubSpot-Signature-v3 does not verify';
}
