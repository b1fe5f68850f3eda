/**
 * When a portal's nightly run is due: once a day between 02:00 and 04:00 in the portal's
 * own time zone (EU-hosted portals: Europe/Berlin, as the product page says), each portal
 * at its own minute in that window (from its id) so portals do not all start at once. On
 * the local Sunday the run is the weekly full reconciliation. Pure.
 */
export const WINDOW_START_MINUTE = 2 * 60;
export const WINDOW_MINUTES = 120;

export function portalTimeZone(conn: { data_hosting_location?: string | null; time_zone?: string | null }): string {
  if (/^eu/i.test(conn.data_hosting_location ?? '')) return 'Europe/Berlin';
  const tz = conn.time_zone ?? '';
  try {
    if (tz) new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** The portal's start minute within the window (0–89, leaving room to finish before 04:00). */
export function startOffset(portalId: number): number {
  let x = portalId >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
  return (x ^ (x >>> 16)) % 90;
}

function localParts(at: Date, timeZone: string): { minutes: number; weekday: string; date: string } {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone, hour12: false, hour: '2-digit', minute: '2-digit', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit',
  }).formatToParts(at).map((p) => [p.type, p.value]));
  return { minutes: (Number(parts.hour) % 24) * 60 + Number(parts.minute), weekday: parts.weekday!, date: `${parts.year}-${parts.month}-${parts.day}` };
}

export interface NightlyDecision {
  due: boolean;
  kind: 'nightly' | 'full';
  localDate: string;
}

/** Due when the local time has passed the portal's minute in the window and no run has started for this local night. */
export function nightlyDue(now: Date, timeZone: string, portalId: number, lastScheduledAt: Date | null): NightlyDecision {
  const local = localParts(now, timeZone);
  const kind = local.weekday === 'Sun' ? 'full' : 'nightly';
  const sinceStart = local.minutes - WINDOW_START_MINUTE;
  const inWindow = sinceStart >= startOffset(portalId) && sinceStart < WINDOW_MINUTES;
  // A run within the last 20 hours was tonight's (the window is 2 hours wide).
  const already = lastScheduledAt !== null && now.getTime() - lastScheduledAt.getTime() < 20 * 3600_000 && now.getTime() >= lastScheduledAt.getTime();
  return { due: inWindow && !already, kind, localDate: local.date };
}
