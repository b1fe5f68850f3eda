import { describe, expect, it } from 'vitest';
import { propertyProblems } from '../../server/hubspot/port';
import { contactCompany, differingProperties, planCompany, planContact, sameValue, type StoredMatch } from '../../server/sync/plan';
import { valuesHash } from '../../server/sync/record-values';

/** The pure plan: HubSpot's current values + what Kustiq knows → what to write. No I/O. */
const profile = { industry: 'software', headcount_band: '10001_plus', employee_count: '221000', tech_stack: 'aws;snowflake', last_round_date: '2021-03-01', hq_city: 'Redmond' };
const match = (over: Partial<StoredMatch> = {}): StoredMatch => ({ status: 'matched', profile_id: 'p1', confidence: 97, method: 'domain', written_hash: null, values: profile, ...over });
const all = () => true;

/** What HubSpot holds after Kustiq wrote these values (dates and datetimes come back as ISO strings). */
function asHubSpotHolds(values: Record<string, string>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(values)) out[k] = v === '' ? null : k === 'kustiq_last_synced_at' ? new Date(Number(v)).toISOString() : v;
  return out;
}

describe('the sync plan', () => {
  it('compares as HubSpot returns values: numbers, dates, multi-selects in any order, empty as null', () => {
    expect(sameValue('companies', 'kustiq_employee_count', '221000', '221000.0')).toBe(true);
    expect(sameValue('companies', 'kustiq_employee_count', '221000', '221001')).toBe(false);
    expect(sameValue('companies', 'kustiq_last_round_date', '2021-03-01', '2021-03-01T00:00:00.000Z')).toBe(true);
    expect(sameValue('companies', 'kustiq_last_synced_at', '1700000000000', '2023-11-14T22:13:20.000Z')).toBe(true);
    expect(sameValue('companies', 'kustiq_tech_stack', 'aws;snowflake', 'snowflake;aws')).toBe(true);
    expect(sameValue('companies', 'kustiq_tech_stack', 'aws;snowflake', 'aws')).toBe(false);
    expect(sameValue('companies', 'kustiq_hq_city', '', null)).toBe(true);
    expect(sameValue('companies', 'kustiq_hq_city', 'Redmond', null)).toBe(false);
    expect(sameValue('companies', 'kustiq_hq_city', 'Redmond', 'redmond')).toBe(false);
  });

  it('a company HubSpot holds nothing for is written; one already right is not, and Kustiq records it once', () => {
    const fresh = planCompany(match(), {}, null, all);
    expect(fresh).toMatchObject({ action: 'write', stale: false });
    if (fresh.action !== 'write') throw new Error();
    const held = asHubSpotHolds({ ...fresh.values, kustiq_last_synced_at: '1700000000000' });
    expect(planCompany(match(), held, null, all)).toMatchObject({ action: 'unchanged', record: true });
    expect(planCompany(match({ written_hash: fresh.hash }), held, null, all)).toEqual({ action: 'unchanged', values: fresh.values, hash: fresh.hash, record: false });
  });

  it('a value cleared or altered in HubSpot is written again (a restore when Kustiq had written it)', () => {
    const w = planCompany(match(), {}, null, all);
    if (w.action !== 'write') throw new Error();
    const held = asHubSpotHolds(w.values);
    expect(planCompany(match({ written_hash: w.hash }), { ...held, kustiq_hq_city: null }, null, all)).toMatchObject({ action: 'write', stale: true });
    expect(planCompany(match({ written_hash: w.hash }), { ...held, kustiq_industry: 'retail' }, null, all)).toMatchObject({ action: 'write', stale: true });
    expect(differingProperties('companies', w.values, { ...held, kustiq_industry: 'retail', kustiq_hq_city: '' }, all).sort()).toEqual(['kustiq_hq_city', 'kustiq_industry']);
  });

  it('a closed property is neither compared nor sent; the hash still covers every value', () => {
    const open = planCompany(match(), {}, null, all);
    const closed = planCompany(match(), {}, null, (k) => k !== 'kustiq_industry');
    if (open.action !== 'write' || closed.action !== 'write') throw new Error();
    expect(closed.values).not.toHaveProperty('kustiq_industry');
    expect(closed.hash).toBe(open.hash);
    // HubSpot holding another industry does not make a record due when industry is closed.
    const held = asHubSpotHolds(open.values);
    expect(planCompany(match({ written_hash: open.hash }), { ...held, kustiq_industry: 'retail' }, null, (k) => k !== 'kustiq_industry')).toMatchObject({ action: 'unchanged', record: false });
  });

  it('without a read (the nightly profile-change path) the written hash decides', () => {
    const w = planCompany(match(), null, null, all);
    if (w.action !== 'write') throw new Error();
    expect(planCompany(match({ written_hash: w.hash }), null, null, all)).toMatchObject({ action: 'unchanged' });
    expect(planCompany(match({ written_hash: 'other' }), null, null, all)).toMatchObject({ action: 'write' });
  });

  it('review, unmatched, skipped and rejected companies are never written', () => {
    for (const status of ['review', 'unmatched', 'skipped', 'rejected']) expect(planCompany(match({ status }), {}, null, all)).toEqual({ action: 'none' });
    expect(planCompany(match({ values: null }), {}, null, all)).toEqual({ action: 'none' });
  });

  it('contacts: written when HubSpot differs, recorded when it already holds them', () => {
    const values = { kustiq_email_confidence: '92', kustiq_contact_role: 'decision_maker' };
    expect(planContact(values, {}, null, all)).toMatchObject({ action: 'write', stale: false });
    expect(planContact(values, { kustiq_email_confidence: '92', kustiq_contact_role: 'decision_maker' }, null, all)).toMatchObject({ action: 'unchanged', record: true });
    expect(planContact(values, { kustiq_email_confidence: '92', kustiq_contact_role: 'decision_maker' }, valuesHash(values), all)).toMatchObject({ action: 'unchanged', record: false });
    expect(planContact(values, { kustiq_email_confidence: '92', kustiq_contact_role: '' }, valuesHash(values), all)).toMatchObject({ action: 'write', stale: true });
  });

  it("a contact's company: its matched association first, else its email's non-generic domain", () => {
    const matched = { ids: new Set(['1', '2']), domains: new Map([['acme.com', '2']]) };
    expect(contactCompany('1', { domain: 'acme.com', generic: false }, matched)).toBe('1');
    expect(contactCompany('9', { domain: 'acme.com', generic: false }, matched)).toBe('2');
    expect(contactCompany(null, { domain: 'gmail.com', generic: true }, matched)).toBeNull();
  });

  it("reads the properties HubSpot names in a batch write's 400", () => {
    const body = {
      message: 'Property values were not valid: [{"isValid":false,"message":"x","error":"READ_ONLY_VALUE","name":"kustiq_hiring_signal"}]',
      errors: [{ message: 'x', code: 'READ_ONLY_VALUE', context: { propertyName: ['kustiq_hiring_signal'], id: ['12'] } }],
    };
    expect(propertyProblems(body)).toEqual([{ name: 'kustiq_hiring_signal', error: 'READ_ONLY_VALUE', message: 'x', id: '12' }]);
    expect(propertyProblems({ message: body.message })).toEqual([{ name: 'kustiq_hiring_signal', error: 'READ_ONLY_VALUE', message: 'x' }]);
    expect(propertyProblems({ message: 'something else' })).toEqual([]);
  });
});
