/**
 * Generated (sample) companies, a pure function of their index: the emulator seeds HubSpot
 * with company n, and the sample profile graph holds profile n for the same company, so
 * the demo has realistic matches beyond the Fortune 500. Everything here is sample data.
 */
const PREFIX = ['North', 'Blue', 'Bright', 'Silver', 'Red', 'Green', 'Iron', 'Clear', 'Swift', 'Summit', 'Harbor', 'Cedar', 'Pine', 'Granite', 'Nova', 'Lumen', 'Vertex', 'Atlas', 'Orbit', 'Echo', 'Polar', 'Quantum', 'Crescent', 'Beacon', 'Meridian', 'Sterling', 'Copper', 'Aurora', 'Falcon', 'Maple'];
const CORE = ['wind', 'field', 'stone', 'bridge', 'path', 'works', 'point', 'gate', 'line', 'wave', 'forge', 'leaf', 'ridge', 'light', 'peak', 'scale', 'stack', 'loop', 'grid', 'mark', 'flow', 'base', 'craft', 'shift', 'cloud'];
const SUFFIX = ['Labs', 'Systems', 'Technologies', 'Analytics', 'Software', 'Health', 'Logistics', 'Capital', 'Partners', 'Robotics', 'Networks', 'Foods', 'Energy', 'Media', 'Security', 'Bio', 'Payments', 'Learning'];
const LEGAL = ['', '', '', 'Inc.', 'LLC', 'Ltd', 'GmbH', 'Corp.', 'SAS', 'B.V.', 'AB', 'Oy'];
const TLD = ['com', 'com', 'com', 'io', 'co', 'ai', 'de', 'fr', 'co.uk', 'nl', 'se', 'fi'];
export const CITIES = [['Boston', 'US'], ['Austin', 'US'], ['Denver', 'US'], ['Berlin', 'DE'], ['Munich', 'DE'], ['Paris', 'FR'], ['London', 'GB'], ['Amsterdam', 'NL'], ['Stockholm', 'SE'], ['Helsinki', 'FI'], ['Toronto', 'CA'], ['Sydney', 'AU']] as const;

/** A small integer hash so each index picks its TLD/legal form/city independently. */
function h(n: number, salt: number): number {
  let x = (n + 1) * 0x9e3779b1 + salt * 0x85ebca6b;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '');

const ONSET = ['b', 'c', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'tr', 'st', 'kl', 'pr'];
const VOWEL = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'io'];
const CODA = ['', 'n', 'r', 'x', 's', 'l', 'm', 'th'];

/** A pronounceable made-up word ("Travion", "Kelmar"): real graphs are full of unique names. */
function coined(n: number): string {
  const w = [0, 1, 2].map((k) => `${ONSET[h(n, 10 + k) % ONSET.length]}${VOWEL[h(n, 20 + k) % VOWEL.length]}`).join('') + CODA[h(n, 30) % CODA.length];
  return w.charAt(0).toUpperCase() + w.slice(1);
}

export interface GeneratedCompany {
  index: number;
  name: string;
  domain: string;
  city: string;
  country: string;
}

export function generatedCompany(n: number): GeneratedCompany {
  const base = `${PREFIX[n % PREFIX.length]}${CORE[Math.floor(n / PREFIX.length) % CORE.length]}`;
  const variant = Math.floor(n / (PREFIX.length * CORE.length));
  const suffix = SUFFIX[variant % SUFFIX.length]!;
  const serial = Math.floor(variant / SUFFIX.length);
  const legal = LEGAL[h(n, 1) % LEGAL.length]!;
  // Past the first 13,500 combinations a coined word keeps names (and domains) distinct.
  const word = serial ? coined(n) : '';
  const name = [base, word, suffix, legal].filter(Boolean).join(' ');
  const domain = `${slug(base)}${slug(word)}${slug(suffix)}.${TLD[h(n, 2) % TLD.length]}`;
  const [city, country] = CITIES[h(n, 3) % CITIES.length]!;
  return { index: n, name, domain, city, country };
}
