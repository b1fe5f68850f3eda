import { describe, expect, it } from 'vitest';
import { createKnex } from '../../server/db/database';
import { KustiqError } from '../../server/errors/codes';
import { checkTokenHealth, rotateTokens } from '../../server/install/connection';
import { createLogger } from '../../server/log';
import { bindings, decrypt, encrypt, keyIdOf, parseKeyring } from '../../server/vault/crypto';
import { TokenVault } from '../../server/vault/token-vault';
import { testKey, useBackend } from '../support/backend';

describe('the token vault', () => {
  const fx = useBackend({ portalId: 24_400_001 });
  const portal = () => fx.emu.portalId;
  const conn = () => fx.db.knex('hubspot_connections').where({ portal_id: String(portal()) }).first();
  const tokenCalls = async () => (await fx.admin.requests()).entries.filter((e) => e.path === '/oauth/2026-03/token').length;
  const expire = () => fx.db.knex('hubspot_connections').update({ access_expires_at: new Date(Date.now() - 1000) });

  it('encrypts with AES-256-GCM under the newest key and decrypts with any configured key', () => {
    const k1 = testKey();
    const k2 = testKey();
    const old = parseKeyring(k1);
    const both = parseKeyring(`${k1},${k2}`);
    const at1 = bindings.accessToken(1);
    const c1 = encrypt(old, 'secret-value', at1);
    expect(keyIdOf(c1)).toBe(k1.split(':')[0]);
    expect(decrypt(both, c1, at1)).toBe('secret-value');
    const c2 = encrypt(both, 'secret-value', at1);
    expect(keyIdOf(c2)).toBe(k2.split(':')[0]);
    expect(c2).not.toBe(encrypt(both, 'secret-value', at1)); // fresh nonce every time
    expect(() => decrypt(both, c1, bindings.accessToken(2))).toThrow(); // bound to its row
    expect(() => decrypt(parseKeyring(k2), c1, at1)).toThrow(/not configured/);
    const tampered = c2.slice(0, -2) + (c2.endsWith('A') ? 'BB' : 'AA');
    expect(() => decrypt(both, tampered, at1)).toThrow();
  });

  it('100 concurrent reads of an expired token, from two processes\u2019 worth of vaults, cause one refresh', async () => {
    await fx.browser().go('/oauth/install?purpose=login');
    await expire();
    await fx.admin.clearRequests();
    // A second vault with its own connection pool stands in for another worker process.
    const otherKnex = createKnex(fx.db.url, { max: 10 });
    const other = new TokenVault(otherKnex, parseKeyring(fx.env.KUSTIQ_ENCRYPTION_KEYS!), fx.services.oauth, createLogger('silent'));
    try {
      const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? other : fx.services.vault).accessToken(portal())));
      expect(new Set(tokens).size).toBe(1);
      expect(await tokenCalls()).toBe(1);
      const api = await fetch(`${fx.emu.url}/crm/v3/objects/companies?limit=1`, { headers: { authorization: `Bearer ${tokens[0]}` } });
      expect(api.status).toBe(200);
    } finally {
      await otherKnex.destroy();
    }
  });

  it('rotates every 6 hours: exercises the refresh token and re-encrypts under the newest key', async () => {
    const before = await conn();
    const newKey = testKey();
    extraKeys.push(newKey);
    const rotatedServices = { ...fx.services, vault: new TokenVault(fx.db.knex, parseKeyring(await keyringOf()), fx.services.oauth, createLogger('silent')) };
    // The old key still decrypts before rotation: no downtime.
    expect(await rotatedServices.vault.accessToken(portal())).toBeTruthy();
    const out = await rotateTokens(rotatedServices);
    expect(out).toMatchObject({ rotated: 1, revoked: 0 });
    const after = await conn();
    expect(keyIdOf(after.refresh_token_enc)).toBe(newKey.split(':')[0]);
    expect(after.refresh_token_enc).not.toBe(before.refresh_token_enc);
    expect(after.rotated_at).not.toBeNull();
    // With only the new key, everything still works.
    const onlyNew = new TokenVault(fx.db.knex, parseKeyring(newKey), fx.services.oauth, createLogger('silent'));
    await fx.db.knex('hubspot_connections').update({ access_expires_at: new Date(Date.now() - 1) });
    expect(await onlyNew.accessToken(portal())).toBeTruthy();
    expect(await rotatedServices.vault.keyIdsInUse()).toEqual([newKey.split(':')[0]]);
  });

  it('a revoked refresh token ends in ERR_OAUTH_REVOKED: disconnected, tokens dropped', async () => {
    await fx.admin.call('POST', `/portals/${portal()}/revoke-tokens`);
    await expire();
    const vault = new TokenVault(fx.db.knex, parseKeyring(await keyringOf()), fx.services.oauth, createLogger('silent'));
    const err = await vault.accessToken(portal()).catch((e) => e);
    expect(err).toBeInstanceOf(KustiqError);
    expect(err.code).toBe('ERR_OAUTH_REVOKED');
    const row = await conn();
    expect(row).toMatchObject({ status: 'disconnected', status_code: 'ERR_OAUTH_REVOKED', refresh_token_enc: null, access_token_enc: null });
    // The kustiq_* properties stay in HubSpot.
    const props = (await fx.admin.call<{ results: { name: string }[] }>('GET', `/portals/${portal()}/properties/companies`)).results;
    expect(props.filter((p) => p.name.startsWith('kustiq_'))).toHaveLength(33);
  });

  it('the health check notices an uninstall made on HubSpot\u2019s side', async () => {
    const b = fx.browser();
    await b.go('/oauth/install?purpose=login');
    expect((await conn()).status).toBe('connected');
    await fx.admin.call('POST', `/portals/${portal()}/uninstall`);
    const services = { ...fx.services, vault: new TokenVault(fx.db.knex, parseKeyring(await keyringOf()), fx.services.oauth, createLogger('silent')) };
    const out = await checkTokenHealth(services);
    expect(out).toMatchObject({ checked: 1, revoked: 1 });
    expect(await conn()).toMatchObject({ status: 'disconnected', status_code: 'ERR_OAUTH_REVOKED' });
    const page = await b.go('/integrations');
    expect(page.body).toContain('ERR_OAUTH_REVOKED');
    expect(page.body).toContain('Connect');
  });

  it('the health check notices a required scope taken away', async () => {
    await fx.browser().go('/oauth/install?purpose=login');
    await fx.admin.call('POST', `/portals/${portal()}/scopes/remove`, { scopes: ['crm.objects.contacts.write'] });
    const services = { ...fx.services, vault: new TokenVault(fx.db.knex, parseKeyring(await keyringOf()), fx.services.oauth, createLogger('silent')) };
    expect(await checkTokenHealth(services)).toMatchObject({ checked: 1, scopeMissing: 1 });
    const row = await conn();
    expect(row.status_code).toBe('ERR_SCOPE_MISSING');
    expect(row.status_detail).toContain('crm.objects.contacts.write');
  });

  /** The install's key plus any the rotation test added (the newest encrypts). */
  const extraKeys: string[] = [];
  async function keyringOf(): Promise<string> {
    return [fx.env.KUSTIQ_ENCRYPTION_KEYS!, ...extraKeys].join(',');
  }
});
