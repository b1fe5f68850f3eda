import { normalizeDomain } from '../matching/domain';
import { classifyTitle } from './title-classifier';
import { emailConfidence } from './email-confidence';

/**
 * The 4 contact properties for one contact, from its own values (email, name, job title)
 * and its company's domain. Pure. Only these kustiq_* values are ever written to a
 * contact: never its name, email or any native field.
 */
export interface ContactInput {
  email?: string | null;
  firstname?: string | null;
  lastname?: string | null;
  jobtitle?: string | null;
  companyDomain?: string | null;
}

export interface ContactProperties {
  kustiq_email_confidence: number;
  kustiq_contact_role: string;
  kustiq_contact_department: string;
  /** Null when the title says nothing about level (nothing is written then). */
  kustiq_contact_seniority: string | null;
}

export function enrichContact(c: ContactInput): ContactProperties {
  const t = classifyTitle(c.jobtitle);
  return {
    kustiq_email_confidence: emailConfidence(c).score,
    kustiq_contact_role: t.role,
    kustiq_contact_department: t.department,
    kustiq_contact_seniority: t.seniority,
  };
}

/**
 * properties.md: a contact is written only when associated with a matched company, or
 * when its email's domain is a matched company's domain (a free-mail address never is).
 */
export function contactIsEligible(
  contact: { email?: string | null; companyIds?: readonly string[] },
  matched: { companyIds: ReadonlySet<string>; domains: ReadonlySet<string> },
): boolean {
  if (contact.companyIds?.some((id) => matched.companyIds.has(id))) return true;
  const email = contact.email ?? '';
  const d = normalizeDomain(email.slice(email.lastIndexOf('@') + 1));
  return !!d.domain && !d.generic && matched.domains.has(d.domain);
}
