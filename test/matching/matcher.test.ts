import { describe, expect, it } from 'vitest';
import { MATCH_FLOOR, MatchIndex, matchCompany } from '../../server/matching/matcher';

const graph = new MatchIndex([
  { id: 'walmart', name: 'Walmart', domain: 'walmart.com' },
  { id: 'apple', name: 'Apple', domain: 'apple.com' },
  { id: 'meta', name: 'Meta', domain: 'meta.com', aliases: ['Facebook', 'Meta Platforms'] },
  { id: 'delta', name: 'Delta Air Lines', domain: 'delta.com' },
  { id: 'gm', name: 'General Motors', domain: 'gm.com' },
  { id: 'ge', name: 'General Electric', domain: 'ge.com' },
  { id: 'gd', name: 'General Dynamics', domain: 'gd.com' },
  { id: 'hd', name: 'Home Depot', domain: 'homedepot.com' },
  { id: 'pg', name: 'Procter & Gamble', domain: 'pg.com' },
  { id: 'acme-us', name: 'Acme Widgets', domain: 'acme.com' },
  { id: 'acme-de', name: 'Acme Widgets', domain: 'acme.de' },
]);

describe('the matcher', () => {
  it('matches on the domain first, however the domain is written', () => {
    for (const domain of ['walmart.com', 'https://www.walmart.com/', 'WWW.WALMART.COM', 'corporate.walmart.com/careers']) {
      expect(matchCompany(graph, { id: '1', name: 'Wal-Mart Stores', domain })).toMatchObject({ status: 'matched', profileId: 'walmart', method: 'domain', reason: null });
    }
    expect(matchCompany(graph, { id: '1', name: 'Apple', domain: 'apple.com' }).confidence).toBeGreaterThanOrEqual(95);
  });

  it('skips a blank domain: nothing matched, ERR_DOMAIN_EMPTY', () => {
    expect(matchCompany(graph, { id: '2', name: 'Walmart', domain: '  ' })).toEqual({ id: '2', status: 'skipped', profileId: null, confidence: 0, method: null, reason: 'ERR_DOMAIN_EMPTY', candidates: [] });
  });

  it('matches a domain the graph knows even when free-mail lists carry it too', () => {
    const g = new MatchIndex([{ id: 'yahoo', name: 'Yahoo', domain: 'yahoo.com' }]);
    expect(matchCompany(g, { id: 'y', name: 'Yahoo Inc.', domain: 'yahoo.com' })).toMatchObject({ status: 'matched', profileId: 'yahoo', method: 'domain' });
  });

  it('keeps a generic domain below 80 however good the name is (the seed\u2019s rule)', () => {
    for (const domain of ['gmail.com', 'hotmail.com', 'jane@yahoo.com']) {
      const r = matchCompany(graph, { id: '3', name: 'Walmart Inc.', domain });
      expect(r.confidence).toBeLessThan(MATCH_FLOOR);
      expect(r).toMatchObject({ status: 'review', profileId: 'walmart', method: 'name', reason: 'ERR_MATCH_LOW' });
      expect(r.candidates[0]).toEqual({ profileId: 'walmart', confidence: r.confidence });
    }
  });

  it('falls back to the name for a domain the graph does not know, including former names', () => {
    expect(matchCompany(graph, { id: '4', name: 'Facebook, Inc.', domain: 'fb.com' })).toMatchObject({ status: 'matched', profileId: 'meta', method: 'name' });
    // facebook.com sits on free-mail lists (people had @facebook.com addresses): no signal, so review.
    expect(matchCompany(graph, { id: '4', name: 'Facebook, Inc.', domain: 'facebook.com' })).toMatchObject({ status: 'review', profileId: 'meta' });
    expect(matchCompany(graph, { id: '5', name: 'The Procter and Gamble Company', domain: 'pgcareers.net' })).toMatchObject({ status: 'matched', profileId: 'pg', method: 'name' });
  });

  it('does not match look-alikes that only share a word', () => {
    for (const [name, domain] of [['Delta Faucet Company', 'deltafaucet.com'], ['Apple Hospitality REIT', 'applehospitalityreit.com'], ['Home Depot Supply Partners', 'hdsupply.com'], ['General Mills', 'generalmills.com']] as const) {
      const r = matchCompany(graph, { id: '6', name, domain });
      expect(r.status, `${name}: ${JSON.stringify(r)}`).not.toBe('matched');
      expect(r.confidence).toBeLessThan(MATCH_FLOOR);
    }
  });

  it('weighs rare tokens above common ones', () => {
    const r = matchCompany(graph, { id: '7', name: 'General Dynamics Land Systems', domain: 'gdls.com' });
    expect(r.profileId).toBe('gd');
    expect(r.candidates.map((c) => c.profileId)).not.toContain('walmart');
  });

  it('needs a margin over the runner-up: two equal candidates go to review', () => {
    const r = matchCompany(graph, { id: '8', name: 'Acme Widgets', domain: 'acme-widgets.example' });
    expect(r.status).toBe('review');
    expect(r.candidates.map((c) => c.profileId).sort()).toEqual(['acme-de', 'acme-us']);
  });

  it('says unmatched when nothing in the graph resembles the company', () => {
    expect(matchCompany(graph, { id: '9', name: 'Zyxwv Quantum Basketweaving', domain: 'zyxwv.io' })).toMatchObject({ status: 'unmatched', profileId: null, reason: 'ERR_MATCH_LOW' });
  });
});
