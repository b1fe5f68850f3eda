import { describe, expect, it } from 'vitest';
import { normalizeDomain } from '../../server/matching/domain';
import { normalizeName } from '../../server/matching/name';

describe('domain normalisation', () => {
  it.each([
    ['walmart.com', 'walmart.com'],
    ['  WWW.Walmart.COM ', 'walmart.com'],
    ['https://www.walmart.com/about?ref=x#top', 'walmart.com'],
    ['http://corporate.walmart.com:8080/', 'walmart.com'],
    ['shop.bmw.co.uk', 'bmw.co.uk'],
    ['jane.doe@unitedhealthgroup.com', 'unitedhealthgroup.com'],
    ['münchen.de', 'xn--mnchen-3ya.de'],
    ['xn--mnchen-3ya.de', 'xn--mnchen-3ya.de'],
    ['acme.blogspot.com', 'acme.blogspot.com'],
    ['abc.xyz', 'abc.xyz'],
  ])('%s → %s', (raw, domain) => {
    expect(normalizeDomain(raw)).toEqual({ domain, generic: false });
  });

  it('marks free-mail and disposable domains as carrying no company signal', () => {
    for (const d of ['gmail.com', 'https://www.hotmail.com', 'yahoo.co.uk', 'outlook.com', 'jane@googlemail.com', 'mailinator.com']) {
      expect(normalizeDomain(d).generic, d).toBe(true);
    }
  });

  it('finds no domain in blanks, IPs and junk', () => {
    for (const d of ['', '   ', null, 'http://127.0.0.1:8080', 'localhost', 'not a domain', 'com']) {
      expect(normalizeDomain(d as string).domain, String(d)).toBeNull();
    }
  });
});

describe('company-name normalisation', () => {
  it.each([
    ['Walmart Inc.', 'walmart'],
    ['The Home Depot, Inc.', 'home depot'],
    ['Procter & Gamble Co', 'procter and gamble'],
    ['Procter and Gamble Company', 'procter and gamble'],
    ['AT&T Inc.', 'att'],
    ['A. O. Smith Corporation', 'ao smith'],
    ['Siemens AG', 'siemens'],
    ['Volkswagen Aktiengesellschaft', 'volkswagen'],
    ['Müller GmbH & Co. KG', 'muller'],
    ['Nokia Oyj', 'nokia'],
    ['Spotify Technology S.A.', 'spotify technology'],
    ['Société Générale S.A.', 'societe generale'],
    ['ING Groep N.V.', 'ing groep'],
    ['Koninklijke Philips N.V.', 'koninklijke philips'],
    ['Ericsson AB', 'ericsson'],
    ['Sony Group Kabushiki Kaisha', 'sony'],
    ['Tesco PLC', 'tesco'],
    ['Acme Holdings, LLC', 'acme'],
    ['Cleveland-Cliffs Inc.', 'cleveland cliffs'],
  ])('%s → %s', (raw, key) => {
    expect(normalizeName(raw).key).toBe(key);
  });

  it('never strips a name down to nothing', () => {
    expect(normalizeName('Company').key).toBe('company');
    expect(normalizeName('Group Inc').key).toBe('group');
  });
});
