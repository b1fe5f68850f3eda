import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser as Chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeDomain } from '../../server/matching/domain';
import { importProfiles } from '../../server/profiles/import-profiles';
import { sampleProfiles } from '../../server/samples/profile-graph';
import { useBackend } from '../support/backend';
import { launchChromium } from '../support/browser';

/**
 * End to end: a profile graph in Postgres, a seeded local HubSpot portal, the OAuth
 * install, matching, and review rows confirmed in a real browser becoming queued writes.
 */
describe('matching a portal and reviewing matches below 80 in the browser', () => {
  const fx = useBackend({ portalId: 24_800_001, companies: 700, contacts: 0 });
  let chromium: Chromium;
  beforeAll(async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kustiq-review-')), 'graph.jsonl');
    fs.writeFileSync(file, [...sampleProfiles(1500)].map((p) => JSON.stringify(p)).join('\n'));
    await importProfiles(fx.db.knex, file);
    for (const [name, domain] of [['Walmart Inc.', 'gmail.com'], ['Facebook', 'facebook.com'], ['Apple Inc', 'hotmail.com'], ['Target Corp', 'yahoo.com']]) {
      await fx.admin.call('POST', `/portals/${fx.emu.portalId}/objects/companies`, { properties: { name: name!, domain: domain! } });
    }
    chromium = await launchChromium();
  });
  afterAll(async () => { await chromium?.close(); });

  it('matches by domain, skips blanks, and sends generic-domain rows to review', async () => {
    const page = await chromium.newPage();
    await page.goto(`${fx.url}/login`);
    await page.getByTestId('sign-in').click();
    await page.waitForURL(`${fx.url}/integrations`);
    await page.getByTestId('nav-review').click();
    await page.getByTestId('run-match').click();
    await page.waitForURL(`${fx.url}/review`);

    const counts = Object.fromEntries((await fx.db.knex('company_matches').groupBy('status').select('status').count('* as n')).map((r) => [r.status, Number(r.n)]));
    const seeded = [...fx.emu.state.portal(fx.emu.portalId).objects.companies.order];
    const blank = seeded.filter((r) => !r.properties.domain).length;
    const freeMail = seeded.filter((r) => r.properties.domain && normalizeDomain(r.properties.domain).generic).length;
    expect(counts.skipped).toBe(blank);
    // Rows on a free-mail domain never pass the floor on their name: they wait in review (or
    // stay unmatched). ISP domains like comcast.com are on free-mail lists and are also
    // the real companies' domains: those match by domain, rightly.
    const stored = await fx.db.knex('company_matches').select('company_domain', 'status', 'company_name', 'profile_id', 'method', 'confidence');
    expect(stored.filter((m) => m.company_domain && normalizeDomain(m.company_domain).generic && m.status === 'matched' && m.method !== 'domain').map((m) => JSON.stringify(m))).toEqual([]);
    expect(counts.review).toBeGreaterThanOrEqual(4);
    expect(counts.review).toBeLessThanOrEqual(freeMail);
    expect(counts.matched).toBe(704 - blank - counts.review - (counts.unmatched ?? 0));
    expect(counts.matched).toBeGreaterThan(650);
    // Every automatic match is queued for writing; nothing below 80 is.
    expect(await fx.db.knex('company_matches').where({ status: 'matched' }).whereNot({ write_status: 'queued' }).count('* as n').first()).toEqual({ n: '0' });
    expect(await fx.db.knex('company_matches').where('confidence', '<', 80).where({ write_status: 'queued' }).count('* as n').first()).toEqual({ n: '0' });

    expect(await page.getByTestId('count-review').textContent()).toBe(`review: ${counts.review}`);
    const rows = await fx.db.knex('company_matches').where({ status: 'review' }).whereIn('company_name', ['Walmart Inc.', 'Facebook', 'Apple Inc', 'Target Corp']).orderBy('company_name').select('company_id', 'company_name', 'candidates');
    const id = (name: string) => rows.find((r) => r.company_name === name)!.company_id as string;
    await page.screenshot({ path: 'test-results/review-table.png', fullPage: true });

    // Confirm Walmart with its best candidate.
    await page.getByTestId(`confirm-${id('Walmart Inc.')}`).click();
    await page.waitForURL(`${fx.url}/review`);
    // Reject Target.
    await page.getByTestId(`reject-${id('Target Corp')}`).click();
    await page.waitForURL(`${fx.url}/review`);
    // Bulk-confirm the other two.
    await page.getByTestId(`pick-${id('Facebook')}`).check();
    await page.getByTestId(`pick-${id('Apple Inc')}`).check();
    await page.getByTestId('bulk-confirm').click();
    await page.waitForURL(`${fx.url}/review`);
    expect(await page.getByTestId('count-review').textContent()).toBe(`review: ${counts.review - 4}`);

    const decided = await fx.db.knex('company_matches').whereIn('company_id', rows.map((r) => r.company_id)).join('profiles', 'profiles.id', 'company_matches.profile_id').select('company_name', 'status', 'method', 'write_status', 'profiles.name as profile');
    expect(decided.sort((a, b) => a.company_name.localeCompare(b.company_name))).toEqual([
      { company_name: 'Apple Inc', status: 'matched', method: 'manual', write_status: 'queued', profile: 'Apple' },
      { company_name: 'Facebook', status: 'matched', method: 'manual', write_status: 'queued', profile: 'Meta' },
      { company_name: 'Walmart Inc.', status: 'matched', method: 'manual', write_status: 'queued', profile: 'Walmart' },
    ]);
    expect(await fx.db.knex('company_matches').where({ company_id: id('Target Corp') }).first()).toMatchObject({ status: 'rejected', write_status: 'none' });

    // A re-run of the matcher keeps people's decisions.
    await page.getByTestId('run-match').click();
    await page.waitForURL(`${fx.url}/review`);
    expect(await fx.db.knex('company_matches').where({ company_id: id('Target Corp') }).first()).toMatchObject({ status: 'rejected' });
    expect(await page.getByTestId('count-review').textContent()).toBe(`review: ${counts.review - 4}`);
  });

  it('the JSON API validates decisions and names the bad field', async () => {
    const b = fx.browser();
    const page = await b.go('/oauth/install?purpose=login');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const post = (p: string, body: unknown) => b.go(p, { method: 'POST', headers: { 'content-type': 'application/json', 'x-kustiq-csrf': csrf }, body: JSON.stringify(body) });
    const bad = await post('/api/review/decide', { companyId: 'x', action: 'maybe' });
    expect(bad.res.status).toBe(400);
    expect(JSON.parse(bad.body).error.fields[0].field).toBe('action');
    const unknown = await post('/api/review/decide', { companyId: '999999', action: 'confirm' });
    expect(unknown.res.status).toBe(400);
    expect(JSON.parse(unknown.body).error.fields[0].field).toBe('companyId');
  });
});
