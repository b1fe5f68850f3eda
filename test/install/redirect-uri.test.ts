import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config';
import { installServices } from '../../server/install/services';
import { createLogger } from '../../server/log';
import { testKey } from '../support/backend';

/** The OAuth redirect URI lives under PUBLIC_URL's path, as the dashboard's links and the signatures do. */
describe('the OAuth redirect URI', () => {
  const services = (PUBLIC_URL?: string) => installServices(loadConfig({
    HUBSPOT_CLIENT_ID: 'id', HUBSPOT_CLIENT_SECRET: 'secret', KUSTIQ_ENCRYPTION_KEYS: testKey(), PORT: '3000', ...(PUBLIC_URL ? { PUBLIC_URL } : {}),
  }), {} as Knex, createLogger('silent'));

  it('keeps a path prefix and drops a trailing slash', () => {
    expect(services('https://app.example.com/kustiq/').redirectUri).toBe('https://app.example.com/kustiq/oauth/callback');
    expect(services('https://app.example.com').redirectUri).toBe('https://app.example.com/oauth/callback');
    expect(services().redirectUri).toBe('http://localhost:3000/oauth/callback');
  });
});
