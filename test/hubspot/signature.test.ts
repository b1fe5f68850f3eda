import { Signature } from '@hubspot/api-client';
import { describe, expect, it } from 'vitest';
import { signV3, verifyV3 } from '../../server/hubspot/signature';
import { calledUri, signedBase } from '../../server/http/called-uri';

const secret = 'the-client-secret';

describe('X-HubSpot-Signature-v3', () => {
  it('agrees with @hubspot/api-client on plain and %40-encoded URLs', () => {
    const now = Date.now();
    // HubSpot signs the URI with these escapes decoded; the request arrives encoded.
    for (const [url, signedAs] of [
      ['https://app.kustiq.com/hubspot/webhooks', 'https://app.kustiq.com/hubspot/webhooks'],
      ['https://app.kustiq.com/api/card?portalId=62515&email=jane%40acme.com&q=%3Ba%2Cb%28c%29', 'https://app.kustiq.com/api/card?portalId=62515&email=jane@acme.com&q=;a,b(c)'],
      ['https://app.kustiq.com/api/card?name=A%20B%26C', 'https://app.kustiq.com/api/card?name=A%20B%26C'],
    ] as const) {
      const body = '[{"eventId":1,"portalId":62515}]';
      const theirs = Signature.getSignature('POST', 'v3', { signature: '', clientSecret: secret, requestBody: body, url: signedAs, method: 'POST', timestamp: now });
      expect(signV3(secret, 'POST', url, body, now)).toBe(theirs);
      expect(verifyV3({ secret, method: 'POST', uri: url, rawBody: body, signature: theirs, timestamp: String(now), now })).toEqual({ ok: true });
      expect(Signature.isValid({ signature: theirs, clientSecret: secret, requestBody: body, url: signedAs, method: 'POST', timestamp: now, signatureVersion: 'v3' })).toBe(true);
    }
  });

  it('refuses a tampered body, a wrong secret, a stale or missing timestamp', () => {
    const now = Date.now();
    const url = 'https://app.kustiq.com/hubspot/webhooks';
    const sig = signV3(secret, 'POST', url, 'body', now);
    expect(verifyV3({ secret, method: 'POST', uri: url, rawBody: 'body!', signature: sig, timestamp: String(now), now })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyV3({ secret: 'other', method: 'POST', uri: url, rawBody: 'body', signature: sig, timestamp: String(now), now })).toEqual({ ok: false, reason: 'mismatch' });
    const old = now - 5 * 60_000 - 1;
    expect(verifyV3({ secret, method: 'POST', uri: url, rawBody: 'body', signature: signV3(secret, 'POST', url, 'body', old), timestamp: String(old), now })).toEqual({ ok: false, reason: 'stale' });
    expect(verifyV3({ secret, method: 'POST', uri: url, rawBody: 'body', signature: sig, now })).toEqual({ ok: false, reason: 'missing' });
    expect(verifyV3({ secret, method: 'POST', uri: url, rawBody: 'body', signature: 'short', timestamp: String(now), now })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('is checked over PUBLIC_URL + the path and query: the prefix kept, a trailing slash dropped, host and scheme as URL normalises them', () => {
    const base = (PUBLIC_URL?: string) => signedBase({ PUBLIC_URL, PORT: 3000 });
    expect(base('https://app.kustiq.com')).toBe('https://app.kustiq.com');
    expect(base('https://app.kustiq.com/')).toBe('https://app.kustiq.com');
    expect(base('https://example.com/kustiq/')).toBe('https://example.com/kustiq');
    expect(base('https://example.com/kustiq')).toBe('https://example.com/kustiq');
    expect(base('HTTPS://App.Kustiq.com:443/')).toBe('https://app.kustiq.com');
    expect(base('http://localhost:3000')).toBe('http://localhost:3000');
    // No PUBLIC_URL: the address the backend gives itself (and `hs project dev` signs over with src/app/local.json).
    expect(base(undefined)).toBe('http://localhost:3000');
    const path = '/card/v1/record?objectType=companies&objectId=1&userEmail=jane%40acme.com&portalId=62515';
    expect(calledUri(base('https://example.com/kustiq/'), path)).toBe(`https://example.com/kustiq${path}`);
    // HubSpot's signature over that URL verifies; one over the address the request reached (its Host) does not.
    const now = Date.now();
    const uri = calledUri(base('https://example.com/kustiq/'), path);
    expect(verifyV3({ secret, method: 'GET', uri, rawBody: '', signature: signV3(secret, 'GET', `https://example.com/kustiq${path}`, '', now), timestamp: String(now), now })).toEqual({ ok: true });
    expect(verifyV3({ secret, method: 'GET', uri, rawBody: '', signature: signV3(secret, 'GET', `http://127.0.0.1:3000${path}`, '', now), timestamp: String(now), now })).toEqual({ ok: false, reason: 'mismatch' });
  });
});
