import { describe, expect, it } from 'vitest';
import { nightlyDue, portalTimeZone, startOffset } from '../../server/sync/nightly-plan';

describe('the nightly schedule', () => {
  it('runs EU-hosted portals between 02:00 and 04:00 Berlin time, others in their own zone', () => {
    expect(portalTimeZone({ data_hosting_location: 'eu1', time_zone: 'America/Chicago' })).toBe('Europe/Berlin');
    expect(portalTimeZone({ data_hosting_location: 'na1', time_zone: 'America/Chicago' })).toBe('America/Chicago');
    expect(portalTimeZone({ data_hosting_location: 'na1', time_zone: 'Not/AZone' })).toBe('UTC');
    const portal = 24_800_001;
    const start = startOffset(portal);
    // Winter: Berlin is UTC+1. The portal's minute in the window, as a UTC instant (a Tuesday).
    const at = (h: number, m: number) => new Date(Date.UTC(2026, 11, 1, h - 1, m));
    const due = at(2, start);
    expect(nightlyDue(due, 'Europe/Berlin', portal, null)).toMatchObject({ due: true, kind: 'nightly' });
    expect(nightlyDue(new Date(due.getTime() - 60_000), 'Europe/Berlin', portal, null).due).toBe(false);
    expect(nightlyDue(at(4, 0), 'Europe/Berlin', portal, null).due).toBe(false);
    expect(nightlyDue(at(13, 0), 'Europe/Berlin', portal, null).due).toBe(false);
    // Once a night: a run already scheduled this local night is not repeated.
    expect(nightlyDue(at(3, 59), 'Europe/Berlin', portal, due).due).toBe(false);
    // The same instant is midnight-ish in Chicago: not due there.
    expect(nightlyDue(due, 'America/Chicago', portal, null).due).toBe(false);
  });

  it('spreads portals over the window and makes Sunday the weekly full reconciliation', () => {
    const offsets = new Set(Array.from({ length: 500 }, (_, i) => startOffset(1000 + i)));
    expect(offsets.size).toBeGreaterThan(60);
    expect(Math.max(...offsets)).toBeLessThan(90);
    const sunday = new Date(Date.UTC(2026, 11, 6, 3, 59)); // 04:59 Berlin on a Sunday: outside the window
    expect(nightlyDue(sunday, 'Europe/Berlin', 1, null).due).toBe(false);
    const sundayNight = new Date(Date.UTC(2026, 11, 6, 2, 59)); // 03:59 Berlin
    expect(nightlyDue(sundayNight, 'Europe/Berlin', 1, null)).toMatchObject({ due: true, kind: 'full' });
  });
});
