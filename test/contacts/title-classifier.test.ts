import { describe, expect, it } from 'vitest';
import { classifyTitle } from '../../server/contacts/title-classifier';

describe('the job-title classifier', () => {
  it.each([
    ['Sr. Software Engineer', 'senior', 'engineering', 'practitioner'],
    ['SVP, Finance', 'vp', 'finance', 'decision_maker'],
    ['Head of Growth Marketing', 'head', 'marketing', 'decision_maker'],
    ['Co-founder and CTO', 'founder', 'engineering', 'decision_maker'],
    ['Team Lead, Backend', 'manager', 'engineering', 'influencer'],
    ['CFO', 'c_suite', 'finance', 'decision_maker'],
    ['SDR', 'entry', 'sales', 'practitioner'],
    ['BDR', 'entry', 'sales', 'practitioner'],
    ['CISO', 'c_suite', 'security', 'decision_maker'],
    ['Geschäftsführer', 'c_suite', 'executive', 'decision_maker'],
    ['Directeur Commercial', 'director', 'sales', 'influencer'],
    ['Gerente de Ventas', 'manager', 'sales', 'influencer'],
    ['Marketing Intern', 'intern', 'marketing', 'other'],
    ['Director of Engineering', 'director', 'engineering', 'influencer'],
    ['Product Marketing Manager', 'manager', 'marketing', 'influencer'],
  ])('%s → %s / %s / %s', (title, seniority, department, role) => {
    expect(classifyTitle(title)).toEqual({ seniority, department, role });
  });

  it('calls assistants, office managers and buyers gatekeepers, whatever the title names', () => {
    expect(classifyTitle('Executive Assistant to the CEO')).toEqual({ seniority: 'entry', department: 'executive', role: 'gatekeeper' });
    expect(classifyTitle('Office Manager').role).toBe('gatekeeper');
    expect(classifyTitle('Senior Buyer')).toMatchObject({ department: 'procurement', role: 'gatekeeper' });
    expect(classifyTitle('Head of Procurement').role).toBe('gatekeeper');
    expect(classifyTitle('Administrative Assistant').role).toBe('gatekeeper');
  });

  it('says it does not know rather than guessing', () => {
    for (const t of ['', 'N/A', '-', 'Team Member', 'Nurse', 'Freelancer', null, undefined]) {
      const c = classifyTitle(t);
      expect(c.role).toBe('other');
      expect(c.seniority).toBeNull();
    }
    expect(classifyTitle('Nurse').department).toBe('other');
  });

  it('tells a partner by rank from a partner by function', () => {
    expect(classifyTitle('Managing Partner').seniority).toBe('partner');
    expect(classifyTitle('Audit Partner')).toMatchObject({ seniority: 'partner', department: 'finance' });
    expect(classifyTitle('Partner Manager')).toMatchObject({ seniority: 'manager', department: 'sales' });
    expect(classifyTitle('HR Business Partner')).toMatchObject({ seniority: 'entry', department: 'hr' });
  });

  it('does not mistake a product owner for an owner or a vice president for a president', () => {
    expect(classifyTitle('Product Owner').seniority).not.toBe('owner');
    expect(classifyTitle('Vice President, Marketing').seniority).toBe('vp');
    expect(classifyTitle('Vicepresidente de Ventas')).toMatchObject({ seniority: 'vp', department: 'sales' });
  });
});
