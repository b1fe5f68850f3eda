import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { KUSTIQ_BIN } from '../../bench/spawn-emulator';
import { rotateTokens } from '../../server/install/connection';
import type { InstallServices } from '../../server/install/services';
import { createLogger } from '../../server/log';
import { bindings, decrypt, encrypt, keyIdOf, parseKeyring } from '../../server/vault/crypto';
import { keyReport, keyUsage, reencryptAll, SEALED_COLUMNS } from '../../server/vault/key-rotation';
import { TokenVault } from '../../server/vault/token-vault';
import { deliverBatch } from '../../server/webhooks/deliver';
import { saveEndpoint } from '../../server/webhooks/endpoints';
import { httpSender } from '../../server/webhooks/http-sender';
import { secretHint } from '../../server/webhooks/signing';
import { decryptSecret, rotateSecret, secretView } from '../../server/webhooks/webhook-secrets';
import { SeedReceiver } from '../support/receiver';
import { testKey, useBackend } from '../support/backend';

/**
 * docs/operations.md, "Rotating the encryption key", followed with outbound webhooks
 * configured: every ciphertext kind moves to the new key, and keyIdsInUse (and `kustiq
 * keys`) report the old key until the last one has.
 */
describe('rotating the encryption key', () => {
  const fx = useBackend({ portalId: 24_700_001 });
  const k1 = () => fx.env.KUSTIQ_ENCRYPTION_KEYS!;
  const k2 = testKey();
  const id = (k: string) => k.split(':')[0]!;
  const receivers: SeedReceiver[] = [];
  let ws: string;
  afterAll(async () => { for (const r of receivers) await r.stop(); });

  /** A process restarted with KUSTIQ_ENCRYPTION_KEYS = spec. */
  const servicesWith = (spec: string): InstallServices => {
    const keyring = parseKeyring(spec);
    return { ...fx.services, keyring, vault: new TokenVault(fx.db.knex, keyring, fx.services.oauth, createLogger('silent')) };
  };
  const deliverAll = async (s: InstallServices) => {
    // A test event to every endpoint, as "Send test event" makes it (the outbox rows), attempted at once.
    const [ev] = await fx.db.knex('webhook_events').insert({ workspace_id: ws, type: 'test', properties: JSON.stringify({ kustiq_test: 'true' }) }).returning('id');
    const endpoints = await fx.db.knex('webhook_endpoints').where({ workspace_id: ws }).select('id');
    const ids = (await fx.db.knex('webhook_deliveries').insert(endpoints.map((e) => ({ event_id: ev.id, endpoint_id: e.id, next_attempt_at: new Date() }))).returning('id')).map((r) => r.id as string);
    return deliverBatch({ knex: fx.db.knex, keyring: s.keyring, log: s.log, send: httpSender({ allowPrivate: true }) }, ids);
  };

  it('new key added, rotation run, old key dropped: deliveries still verify with their receivers (current and previous secret), tokens still work', async () => {
    await fx.browser().go('/oauth/install?purpose=login');
    ws = (await fx.db.knex('hubspot_connections').first()).workspace_id;
    // Two receivers; then the secret is rotated: one receiver has switched to the new secret, the other is still in its 24-hour grace period.
    const { secret: first } = await rotateSecret(fx.db.knex, fx.services.keyring, ws);
    const switched = await SeedReceiver.start('kqwh_placeholder-until-rotated');
    const lagging = await SeedReceiver.start(first);
    receivers.push(switched, lagging);
    for (const r of [switched, lagging]) await saveEndpoint(fx.db.knex, ws, { url: r.url, eventTypes: ['company.enriched'] }, { allowPrivate: true });
    const { secret: second } = await rotateSecret(fx.db.knex, fx.services.keyring, ws);
    await switched.restart(second);
    expect((await deliverAll(fx.services)).map((o) => o.outcome)).toEqual(['delivered', 'delivered']); // one per endpoint
    expect(await fx.services.vault.keyIdsInUse()).toEqual([id(k1())]);

    // Step 2: the new key added in front: every process can read it; k1 still encrypts.
    const front = servicesWith(`${k2},${k1()}`);
    expect((await front.vault.keyReport()).encryptingKey).toBe(id(k1()));
    expect((await secretView(fx.db.knex, front.keyring, ws)).hint).toBe(secretHint(second));
    // Step 3: moved to the end: it encrypts; the old one still decrypts.
    const both = servicesWith(`${k1()},${k2}`);
    // Tokens alone moving to k2 is not enough: the webhook secrets still need k1.
    await both.vault.refresh(fx.emu.portalId, true);
    expect((await keyUsage(fx.db.knex)).filter((u) => u.keyId === id(k1())).map((u) => u.purpose).sort()).toEqual(['webhook-previous-secret', 'webhook-secret']);
    expect((await both.vault.keyIdsInUse()).sort()).toEqual([id(k1()), id(k2)].sort());
    expect((await both.vault.keyReport()).removable).toEqual([]);

    // Step 4: the rotation re-encrypts every kind under k2 and says k1 can go.
    const out = await rotateTokens(both);
    expect(out).toMatchObject({ rotated: 1, revoked: 0, reencrypted: { failures: [] } });
    expect(out.reencrypted.byPurpose['webhook-secret'].reencrypted).toBe(1);
    expect(out.reencrypted.byPurpose['webhook-previous-secret'].reencrypted).toBe(1);
    expect(out.keyUsage).toMatchObject({ encryptingKey: id(k2), removable: [id(k1())], missing: [], rotated: true });
    expect(await both.vault.keyIdsInUse()).toEqual([id(k2)]);

    // Step 5: k1 dropped. Secrets, both of them, and tokens decrypt with k2 alone.
    const only = servicesWith(k2);
    expect((await secretView(fx.db.knex, only.keyring, ws)).hint).toBe(secretHint(second));
    const row = await fx.db.knex('webhook_secrets').where({ workspace_id: ws }).first();
    expect(decryptSecret(only.keyring, row.secret_enc, ws, 'current')).toBe(second);
    expect(decryptSecret(only.keyring, row.previous_enc, ws, 'previous')).toBe(first);
    await fx.db.knex('hubspot_connections').update({ access_expires_at: new Date(Date.now() - 1) });
    expect(await only.vault.accessToken(fx.emu.portalId)).toBeTruthy();
    const before = [(await switched.log()).length, (await lagging.log()).length];
    expect((await deliverAll(only)).map((o) => o.outcome)).toEqual(['delivered', 'delivered']);
    for (const [i, r] of [switched, lagging].entries()) {
      const log = await r.log();
      expect(log.length).toBeGreaterThan(before[i]!);
      expect(log.at(-1)).toMatchObject({ ok: true, status: 200 });
    }
    expect(await only.vault.keyReport()).toMatchObject({ configuredKeys: [id(k2)], missing: [], rotated: true });
  });

  it('keyIdsInUse reports the old key while any single ciphertext, of any kind, still needs it', async () => {
    const back = parseKeyring(`${k2},${k1()}`); // k1 newest: used here to put one ciphertext back under it
    const both = servicesWith(`${k1()},${k2}`);
    for (const c of SEALED_COLUMNS) {
      const row = await fx.db.knex(c.table).whereNotNull(c.column).first();
      expect(row, `${c.table}.${c.column}`).toBeTruthy();
      const binding = c.binding(String(row[c.ownerColumn]));
      const old = encrypt(back, decrypt(both.keyring, row[c.column], binding), binding);
      await fx.db.knex(c.table).where(c.key, row[c.key]).update({ [c.column]: old });
      expect(keyIdOf(old)).toBe(id(k1()));
      expect((await both.vault.keyIdsInUse()).sort(), c.purpose).toEqual([id(k1()), id(k2)].sort());
      const report = await both.vault.keyReport();
      expect(report.inUse.find((k) => k.keyId === id(k1()))?.byPurpose, c.purpose).toEqual({ [c.purpose]: 1 });
      expect(report.removable).toEqual([]);
      const out = await both.vault.reencryptAll();
      expect(out.byPurpose[c.purpose].reencrypted).toBe(1);
      expect(await both.vault.keyIdsInUse()).toEqual([id(k2)]);
    }
  });

  it('every encrypted column of the schema is one the rotation and the report know', async () => {
    const cols: { table_name: string; column_name: string }[] = (await fx.db.knex.raw(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name LIKE '%\\_enc' ORDER BY 1, 2`,
    )).rows;
    expect(cols.length).toBeGreaterThan(0);
    expect(cols.map((c) => `${c.table_name}.${c.column_name}`)).toEqual(SEALED_COLUMNS.map((c) => `${c.table}.${c.column}`).sort());
  });

  it('a previous webhook secret past its grace period is dropped by the rotation, not kept under the old key', async () => {
    const back = parseKeyring(`${k2},${k1()}`);
    const row = await fx.db.knex('webhook_secrets').where({ workspace_id: ws }).first();
    const previous = decryptSecret(parseKeyring(k2), row.previous_enc, ws, 'previous');
    await fx.db.knex('webhook_secrets').where({ workspace_id: ws }).update({
      previous_enc: encrypt(back, previous, bindings.previousWebhookSecret(ws)), previous_until: new Date(Date.now() - 1000),
    });
    expect(await keyReport(fx.db.knex, parseKeyring(`${k1()},${k2}`))).toMatchObject({ removable: [], rotated: false });
    const out = await reencryptAll(fx.db.knex, parseKeyring(`${k1()},${k2}`));
    expect(out.byPurpose['webhook-previous-secret']).toEqual({ reencrypted: 0, dropped: 1, unreadable: 0 });
    expect((await fx.db.knex('webhook_secrets').where({ workspace_id: ws }).first()).previous_enc).toBeNull();
    expect(await fx.services.vault.keyIdsInUse()).toEqual([id(k2)]);
  });

  it('kustiq keys shows which keys are in use and which can go; --reencrypt moves them; a missing key exits 1', async () => {
    const kustiq = (args: string[], keys: string) => {
      const r = spawnSync(process.execPath, [KUSTIQ_BIN, 'keys', ...args], {
        env: { ...process.env, DATABASE_URL: fx.db.url, KUSTIQ_ENCRYPTION_KEYS: keys, LOG_LEVEL: 'warn' }, encoding: 'utf8', timeout: 60_000,
      });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    // Put one token back under k1, then follow the procedure with the command.
    const back = parseKeyring(`${k2},${k1()}`);
    const c = await fx.db.knex('hubspot_connections').first();
    const refresh = decrypt(parseKeyring(k2), c.refresh_token_enc, bindings.refreshToken(c.portal_id));
    await fx.db.knex('hubspot_connections').where({ id: c.id }).update({ refresh_token_enc: encrypt(back, refresh, bindings.refreshToken(c.portal_id)) });
    const three = testKey();
    const status = kustiq(['--json'], `${k1()},${k2},${three}`);
    expect(status.status, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ encryptingKey: id(three), removable: [], missing: [], rotated: false });
    const human = kustiq([], `${k1()},${k2},${three}`);
    expect(human.stdout).toContain(`${id(k1())}: 1 ciphertext(s): hubspot-refresh-token 1`);
    expect(human.stdout).toMatch(/Still in use: .*Keep it configured/);

    const moved = kustiq(['--reencrypt', '--json'], `${k1()},${k2},${three}`);
    expect(moved.status, moved.stderr).toBe(0);
    const doc = JSON.parse(moved.stdout);
    expect(doc).toMatchObject({ encryptingKey: id(three), missing: [], rotated: true, reencrypted: { failures: [] } });
    expect(doc.removable.sort()).toEqual([id(k1()), id(k2)].sort());
    expect(kustiq([], `${k1()},${k2},${three}`).stdout).toContain('can be removed from KUSTIQ_ENCRYPTION_KEYS');
    // Dropped too early (the newest key removed): the command says so and exits 1.
    const early = kustiq(['--json'], k2);
    expect(early.status).toBe(1);
    expect(JSON.parse(early.stdout).missing).toEqual([id(three)]);
    expect(kustiq([], k2).stdout).toContain(`Key ${id(three)} is needed but not configured`);
  });
});
