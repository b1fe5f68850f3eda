import type { CardProperty } from './catalog.generated';

/** Turns a stored HubSpot value into what a rep reads; empty stays visibly empty. */
export function formatValue(p: CardProperty, raw: string | null | undefined): string {
  if (raw === null || raw === undefined || raw === '') return '—';
  if (p.options) {
    return raw
      .split(';')
      .map((v) => p.options?.[v] ?? v)
      .join(', ');
  }
  if (p.type === 'number') {
    const n = Number(raw);
    if (!Number.isFinite(n)) return raw;
    if (/amount|funding|arr/.test(p.name)) return `$${compact(n)}`;
    if (/share|growth/.test(p.name)) return `${n}%`;
    return n.toLocaleString('en-US');
  }
  if (p.type === 'date') return raw.slice(0, 10);
  return raw;
}

function compact(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(0)}K`;
  return String(n);
}

/** "3 hours ago", and the absolute time in the portal's time zone. */
export function syncTime(raw: string | null | undefined, timeZone: string, now = Date.now()): { relative: string; absolute: string } | null {
  if (!raw) return null;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) return null;
  const diff = Math.max(0, now - ms);
  const minutes = Math.round(diff / 60_000);
  const relative =
    minutes < 1 ? 'just now' : minutes < 60 ? `${minutes} min ago` : minutes < 48 * 60 ? `${Math.round(minutes / 60)} h ago` : `${Math.round(minutes / 1440)} days ago`;
  let absolute: string;
  try {
    absolute = new Intl.DateTimeFormat('en-US', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
  } catch {
    absolute = new Date(ms).toISOString();
  }
  return { relative, absolute: `${absolute} (${timeZone})` };
}
