import fs from 'node:fs';
import { createRequire } from 'node:module';
import { domainToASCII } from 'node:url';
import { parse } from 'tldts';

/**
 * Domain normalisation: trim, lower-case, strip scheme, www., port, path and query, turn
 * internationalised names into their ASCII (punycode) form, and reduce to the registrable
 * domain with the Public Suffix List (tldts, private suffixes included, so
 * `acme.blogspot.com` stays `acme.blogspot.com`). Free-mail and disposable domains
 * (the `freemail` package's lists) carry no company signal.
 */
const require = createRequire(import.meta.url);
const readList = (file: string) =>
  new Set(fs.readFileSync(require.resolve(`freemail/data/${file}`), 'utf8').split('\n').map((l) => l.trim().toLowerCase()).filter(Boolean));
let generic: Set<string> | null = null;
let disposable: Set<string> | null = null;

export function isGenericDomain(domain: string): boolean {
  generic ??= new Set([...readList('free.txt'), ...readList('disposable.txt')]);
  return generic.has(domain);
}

/** Throwaway inboxes (mailinator, 10minutemail, ...): a narrower list than the generic one. */
export function isDisposableDomain(domain: string): boolean {
  disposable ??= readList('disposable.txt');
  return disposable.has(domain);
}

export interface NormalizedDomain {
  /** The registrable domain, or null when the input holds none. */
  domain: string | null;
  /** Free-mail or disposable: no company signal. */
  generic: boolean;
}

export function normalizeDomain(raw: string | null | undefined): NormalizedDomain {
  let s = (raw ?? '').trim().toLowerCase();
  if (!s) return { domain: null, generic: false };
  if (s.includes('@') && !s.includes('/')) s = s.slice(s.lastIndexOf('@') + 1);
  // Reduce URLs and bare hosts alike to a hostname.
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/[/?#].*$/, '').replace(/:\d+$/, '').replace(/\.+$/, '');
  const ascii = domainToASCII(s) || s;
  const parsed = parse(ascii, { allowPrivateDomains: true });
  if (parsed.isIp || !parsed.domain || !parsed.publicSuffix || !parsed.isIcann && !parsed.isPrivate) return { domain: null, generic: false };
  const domain = parsed.domain;
  return { domain, generic: isGenericDomain(domain) };
}
