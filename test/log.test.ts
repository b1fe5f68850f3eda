import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubSpotOAuth } from '../server/hubspot/oauth-client';
import { HubSpotPort } from '../server/hubspot/port';
import { RateBudget } from '../server/hubspot/rate-budget';
import { createLogger, serializeError } from '../server/log';

/**
 * Finding 14 of issue 15: what HubSpot, its OAuth endpoints or a webhook receiver answered
 * never reaches the log. An error is logged with its status, HubSpot's category and
 * correlation id and our message; never the body or the headers, where a token sent to
 * HubSpot comes back.
 */
const accessToken = `CO${randomBytes(24).toString('base64url')}`;
const refreshToken = `na1-${randomUUID()}`;
const correlationId = randomUUID();

/** A HubSpot that echoes what it was sent (the token included) in its error bodies and headers. */
let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const auth = req.headers.authorization ?? '';
      const form = new URLSearchParams(body);
      const echoed = form.get('refresh_token') ?? form.get('code') ?? auth;
      const answer = req.url!.startsWith('/oauth/')
        ? { status: 'BAD_REFRESH_TOKEN', error: 'invalid_grant', error_description: `unknown token ${echoed}`, message: `unknown token ${echoed}`, correlationId, category: 'VALIDATION_ERROR' }
        : { status: 'error', message: `Invalid input (details will vary based on the error): ${auth} token=${accessToken}`, correlationId, category: 'VALIDATION_ERROR', context: { token: [accessToken] } };
      res.writeHead(400, { 'content-type': 'application/json', 'x-hubspot-correlation-id': correlationId, 'x-echo-authorization': auth, 'set-cookie': `s=${accessToken}` });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function capture() {
  const lines: string[] = [];
  const log = createLogger('debug', { write: (s: string) => { lines.push(s); } } as never);
  return { log, text: () => lines.join(''), records: () => lines.map((l) => JSON.parse(l)) };
}

/** Budget without Postgres: the stub has no limits. */
class FreeBudget extends RateBudget {
  constructor() { super(null as never); }
  override async take(): Promise<void> {}
}

const secretsIn = (text: string) => [accessToken, accessToken.slice(2, 20), refreshToken, refreshToken.slice(4, 20)].filter((s) => text.includes(s));

describe('errors in the log (no upstream body or headers)', () => {
  it('a HubSpot API error echoing the token logs status, category and correlation id, however it is logged', async () => {
    const config = { HUBSPOT_API_BASE_URL: base, KUSTIQ_RATE_GENERAL: '110/10000', KUSTIQ_RATE_SEARCH: '5/1000', KUSTIQ_RATE_MARGIN_MS: 0 };
    const { log, text, records } = capture();
    const port = HubSpotPort.withToken({ config, log, knex: null as never, vault: null as never }, 123, accessToken, new FreeBudget());
    const err = await port.getRecord('companies', '1', ['name']).catch((e) => e);
    // The error itself carries the token (its message holds the body and headers), so the logger must not pass it on.
    expect(String(err.message)).toContain(accessToken);
    log.warn({ err, portalId: 123 }, 'HubSpot call failed');
    log.warn({ err: { message: (err as Error).message } }, 'as the call sites log it today');
    log.error(err, 'logged as the first argument');
    log.info({ error: err }, 'under error');
    expect(secretsIn(text())).toEqual([]);
    expect(text()).not.toMatch(/x-echo-authorization|set-cookie|Invalid input/);
    for (const r of records()) {
      const e = r.err ?? r.error;
      expect(e).toMatchObject({ status: 400, category: 'VALIDATION_ERROR', correlationId });
      expect(e.message).toBe('HubSpot answered 400: An error occurred.');
      expect(Object.keys(e).every((k) => ['type', 'message', 'status', 'category', 'correlationId', 'errorCode', 'stack', 'cause'].includes(k))).toBe(true);
    }
  });

  it('an OAuth error whose description echoes the refresh token or the code logs the status and OAuth error only', async () => {
    const oauth = new HubSpotOAuth({ baseUrl: base, clientId: 'client', clientSecret: 'secret', tokenApi: 'v3' });
    const { log, text, records } = capture();
    const revoked = await oauth.refresh(refreshToken).catch((e) => e);
    expect(revoked.message).toContain(refreshToken);
    log.warn({ err: revoked }, 'token health check failed');
    const code = randomUUID();
    const badCode = await oauth.exchangeCode(code, 'https://app.example.com/oauth/callback').catch((e) => e);
    expect(badCode.message).toContain(code);
    log.warn({ err: badCode }, 'install failed');
    log.warn({ err: { message: badCode.message } }, 'install failed');
    expect(secretsIn(text())).toEqual([]);
    expect(text()).not.toContain(code);
    const [a, b] = records();
    expect(a.err).toMatchObject({ type: 'KustiqError', errorCode: 'ERR_OAUTH_REVOKED' });
    expect(a.err.message).toMatch(/^HubSpot rejected the refresh token: unknown token \[redacted\]$/);
    expect(b.err).toMatchObject({ type: 'HubSpotOAuthError', status: 400, category: 'invalid_grant' });
  });

  it('a webhook receiver\u2019s or any HTTP error: response, body and headers are dropped', () => {
    const { log, text, records } = capture();
    const err = Object.assign(new Error('receiver answered 500'), {
      status: 500,
      body: `{"echo":"${accessToken}"}`,
      headers: { authorization: `Bearer ${accessToken}` },
      response: { status: 500, headers: { 'set-cookie': `t=${refreshToken}` }, body: refreshToken },
      cause: Object.assign(new Error(`socket said Bearer ${accessToken}`), { code: 'ECONNRESET' }),
    });
    log.warn({ err, endpointId: 'e1' }, 'delivery failed');
    expect(secretsIn(text())).toEqual([]);
    expect(records()[0].err).toMatchObject({ message: 'receiver answered 500', status: 500, cause: { message: 'socket said Bearer [redacted]', errorCode: 'ECONNRESET' } });
    expect(records()[0].endpointId).toBe('e1');
  });

  it('scrubs credential shapes from messages and keeps ordinary text', () => {
    const m = (s: string) => serializeError(new Error(s)).message;
    expect(m(`refresh_token=${refreshToken}&client_secret=abc`)).toBe('refresh_token=[redacted]&client_secret=[redacted]');
    expect(m(`{"access_token":"${accessToken}"}`)).toBe('{"access_token":"[redacted]"}');
    expect(m(`HubSpot's answer to companies search was not understood: results.0.id: expected string`)).toBe(`HubSpot's answer to companies search was not understood: results.0.id: expected string`);
    expect(m('duplicate key value violates unique constraint "profiles_pkey"')).toBe('duplicate key value violates unique constraint "profiles_pkey"');
    expect(m('PROPERTY_DOESNT_EXIST on kustiq_headcount_band')).toBe('PROPERTY_DOESNT_EXIST on kustiq_headcount_band');
    expect(m(`failed\nBody: {"token":"x"}\nHeaders: {}`)).toBe('failed');
  });

  it('scrubs a message built from upstream text too', () => {
    const { log, text, records } = capture();
    log.warn({ portalId: 1 }, `HubSpot refused kustiq_tech_stack: token ${refreshToken} Bearer ${accessToken}`);
    expect(secretsIn(text())).toEqual([]);
    expect(records()[0].msg).toBe('HubSpot refused kustiq_tech_stack: token [redacted] Bearer [redacted]');
  });

  it('still redacts credentials by key anywhere in a logged object', () => {
    const { log, text } = capture();
    log.info({ tokens: { access_token: accessToken, refresh_token: refreshToken }, req: { headers: { authorization: `Bearer ${accessToken}`, 'x-hubspot-signature-v3': 'sig' } } }, 'x');
    expect(secretsIn(text())).toEqual([]);
    expect(text()).not.toContain('"sig"');
  });
});
