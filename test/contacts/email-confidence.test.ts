import { describe, expect, it } from 'vitest';
import { emailConfidence, nameAgreement } from '../../server/contacts/email-confidence';
import { contactIsEligible, enrichContact } from '../../server/contacts/enrich-contact';

const jane = { firstname: 'Jane', lastname: 'Doe', companyDomain: 'acme.com' };
const codes = (e: ReturnType<typeof emailConfidence>) => e.evidence.map((x) => x.code);

describe('email confidence', () => {
  it('is highest for a name-built address at the company\'s own domain', () => {
    const e = emailConfidence({ ...jane, email: 'jane.doe@acme.com' });
    expect(e.score).toBe(100);
    expect(codes(e)).toEqual(['syntax_valid', 'domain_corporate', 'domain_matches_company', 'name_full']);
  });

  it('ranks the usual evidence in the order a person would', () => {
    const s = (email: string, extra = {}) => emailConfidence({ ...jane, email, ...extra }).score;
    expect(s('jdoe@acme.com')).toBe(100);
    expect(s('jane@acme.com')).toBeLessThan(s('jane.doe@acme.com'));
    expect(s('jane.doe@other-co.com')).toBeLessThan(s('jane.doe@acme.com'));
    expect(s('jane.doe@gmail.com')).toBeLessThan(s('jane.doe@acme.com'));
    expect(s('xk42@acme.com')).toBeLessThan(s('jane@acme.com'));
    expect(s('info@acme.com')).toBeLessThanOrEqual(30);
    expect(s('sales@acme.com')).toBeLessThanOrEqual(30);
    expect(s('support+eu@acme.com')).toBeLessThanOrEqual(30);
    expect(s('jane.doe@mailinator.com')).toBe(5);
  });

  it('scores invalid addresses 0 and explains why', () => {
    for (const email of ['', 'jane.doe', 'jane@', '@acme.com', 'jane doe@acme.com', 'jane@localhost']) {
      const e = emailConfidence({ ...jane, email });
      expect(e.score).toBe(0);
      expect(e.evidence[0]!.code).toBe('syntax_invalid');
    }
  });

  it('matches names with accents, compounds and the usual patterns', () => {
    expect(nameAgreement('jose.garcia', 'José', 'García')).toBe('full');
    expect(nameAgreement('maria.garcia-lopez', 'María', 'García López')).toBe('full');
    expect(nameAgreement('doe.jane', 'Jane', 'Doe')).toBe('full');
    expect(nameAgreement('j.doe', 'Jane', 'Doe')).toBe('full');
    expect(nameAgreement('janed', 'Jane', 'Doe')).toBe('full');
    expect(nameAgreement('jane2', 'Jane', 'Doe')).toBe('partial');
    expect(nameAgreement('bob', 'Jane', 'Doe')).toBe('absent');
    expect(nameAgreement('jane', '', '')).toBeNull();
  });

  it('compares the registrable domain, however the company domain is written', () => {
    expect(codes(emailConfidence({ ...jane, email: 'jane.doe@mail.acme.com', companyDomain: 'https://www.ACME.com/about' }))).toContain('domain_matches_company');
  });
});

describe('contact enrichment', () => {
  it('gives the 4 properties and nothing else', () => {
    const p = enrichContact({ email: 'jane.doe@acme.com', firstname: 'Jane', lastname: 'Doe', jobtitle: 'VP of Sales', companyDomain: 'acme.com' });
    expect(p).toEqual({ kustiq_email_confidence: 100, kustiq_contact_role: 'decision_maker', kustiq_contact_department: 'sales', kustiq_contact_seniority: 'vp' });
  });

  it('writes a contact only when it belongs to a matched company', () => {
    const matched = { companyIds: new Set(['c1']), domains: new Set(['acme.com']) };
    expect(contactIsEligible({ email: 'x@elsewhere.io', companyIds: ['c1'] }, matched)).toBe(true);
    expect(contactIsEligible({ email: 'jane@acme.com', companyIds: [] }, matched)).toBe(true);
    expect(contactIsEligible({ email: 'jane@eu.acme.com' }, matched)).toBe(true);
    expect(contactIsEligible({ email: 'jane@gmail.com', companyIds: ['c9'] }, matched)).toBe(false);
    expect(contactIsEligible({ email: 'jane@other.com' }, matched)).toBe(false);
    expect(contactIsEligible({ email: '' }, matched)).toBe(false);
  });
});
