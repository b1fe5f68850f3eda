import { z } from 'zod';
import { isDisposableDomain, normalizeDomain } from '../matching/domain';
import { fold } from '../matching/name';

/**
 * Email confidence (0–100): how likely the address is deliverable and belongs to this
 * person at this company, from evidence in the values alone. It never reads a mailbox and
 * never touches the network. Each piece of evidence is returned with its points, so the
 * number can be explained (and tests pin each rule).
 */
export type EvidenceCode =
  | 'syntax_invalid' | 'syntax_valid'
  | 'domain_disposable' | 'domain_freemail' | 'domain_corporate'
  | 'domain_matches_company' | 'domain_differs_from_company'
  | 'role_account'
  | 'name_full' | 'name_partial' | 'name_absent';

export interface Evidence {
  code: EvidenceCode;
  points: number;
  note: string;
}

export interface EmailConfidence {
  score: number;
  evidence: Evidence[];
}

export interface EmailInput {
  email?: string | null;
  firstname?: string | null;
  lastname?: string | null;
  /** The contact's company domain (HubSpot's associated company, or the row's company_domain). */
  companyDomain?: string | null;
}

/** Mailboxes a team shares: nobody in particular reads them. */
const ROLE_ACCOUNTS = new Set([
  'info', 'sales', 'support', 'hello', 'contact', 'admin', 'office', 'team', 'help', 'billing', 'accounts', 'accounting',
  'marketing', 'hr', 'jobs', 'careers', 'press', 'media', 'noreply', 'no-reply', 'donotreply', 'enquiries', 'inquiries',
  'service', 'customerservice', 'feedback', 'webmaster', 'postmaster', 'abuse', 'security', 'legal', 'privacy', 'finance',
  'invoices', 'orders', 'ops', 'it', 'general', 'mail', 'reception', 'kontakt', 'bonjour', 'hola', 'ventas', 'vertrieb',
]);

const emailSyntax = z.email();

/** Letters only, accents folded: "José-María" → "josemaria". */
const letters = (s: string | null | undefined) => fold(s ?? '').replace(/[^a-z]/g, '');

/**
 * How the local part relates to the person's name: `full` for first+last in the usual
 * patterns (jane.doe, jane_doe, janedoe, jdoe, j.doe, doe.jane, janed), `partial` for
 * the first or last name alone, `absent` otherwise; null when the name is unknown.
 */
export function nameAgreement(local: string, firstname?: string | null, lastname?: string | null): 'full' | 'partial' | 'absent' | null {
  const f = letters(firstname);
  const l = letters(lastname);
  if (!f && !l) return null;
  const lp = fold(local).replace(/\+.*$/, '').replace(/\d+$/, '');
  const flat = lp.replace(/[^a-z]/g, '');
  if (f && l) {
    const patterns = [`${f}${l}`, `${f[0]}${l}`, `${l}${f}`, `${f}${l[0]}`, `${l}${f[0]}`];
    if (patterns.includes(flat)) return 'full';
  }
  if ((f && flat === f) || (l && flat === l)) return 'partial';
  // Separated parts of a compound ("maria.garcia-lopez"): every part must be from the name.
  const parts = lp.split(/[._-]+/).filter(Boolean);
  if (parts.length > 1 && f && l && parts.some((p) => p === f || p === f[0]) && parts.some((p) => l.startsWith(p) || p === l)) return 'full';
  return 'absent';
}

export function emailConfidence(input: EmailInput): EmailConfidence {
  const email = (input.email ?? '').trim();
  const evidence: Evidence[] = [];
  const add = (code: EvidenceCode, points: number, note: string) => evidence.push({ code, points, note });
  if (!emailSyntax.safeParse(email).success) {
    add('syntax_invalid', 0, 'not a valid email address');
    return { score: 0, evidence };
  }
  add('syntax_valid', 25, 'valid address syntax');
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at).toLowerCase();
  const { domain } = normalizeDomain(email.slice(at + 1));
  if (!domain) {
    add('syntax_invalid', 0, 'the domain is not a registrable internet domain');
    return { score: 0, evidence };
  }
  // A throwaway inbox says nothing will be read there for long.
  if (isDisposableDomain(domain)) {
    add('domain_disposable', -20, `${domain} is a disposable-mail domain`);
    return { score: 5, evidence };
  }
  const free = normalizeDomain(domain).generic;
  if (free) add('domain_freemail', 5, `${domain} is a free-mail provider: deliverable, but personal`);
  else add('domain_corporate', 20, `${domain} is a company domain`);

  const company = normalizeDomain(input.companyDomain).domain;
  if (company && !free) {
    if (company === domain) add('domain_matches_company', 25, `the address is at the company's own domain (${company})`);
    else add('domain_differs_from_company', -15, `the address is at ${domain}, the company's domain is ${company}`);
  }

  const role = ROLE_ACCOUNTS.has(local.replace(/\+.*$/, ''));
  if (role) add('role_account', -35, `${local}@ is a shared role mailbox, not a person's`);
  else {
    const agreement = nameAgreement(local, input.firstname, input.lastname);
    if (agreement === 'full') add('name_full', 30, 'the address is built from the first and last name');
    else if (agreement === 'partial') add('name_partial', 15, 'the address carries the first or last name');
    else if (agreement === 'absent') add('name_absent', -5, "the address does not carry the person's name");
  }
  const total = evidence.reduce((s, e) => s + e.points, 0);
  let score = Math.max(0, Math.min(100, total));
  if (role) score = Math.min(score, 30);
  return { score, evidence };
}
