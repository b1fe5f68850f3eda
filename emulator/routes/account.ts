import { Router } from 'express';
import { authed, handle, type EmulatorContext } from '../context';

function utcOffset(timeZone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
    .formatToParts(at)
    .reduce<Record<string, number>>((acc, p) => (p.type === 'literal' ? acc : { ...acc, [p.type]: Number(p.value) }), {});
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000) * 60_000;
}

/** Account details (time zone, data-hosting region) and the app's own uninstall. */
export function accountRoutes(ctx: EmulatorContext): Router {
  const r = Router();
  r.get('/account-info/v3/details', handle((_req, res) => {
    const { portal } = authed(res);
    const ms = utcOffset(portal.timeZone, new Date(ctx.state.clock.now()));
    const sign = ms < 0 ? '-' : '+';
    const abs = Math.abs(ms) / 60_000;
    res.json({
      portalId: portal.portalId, accountType: portal.accountType, timeZone: portal.timeZone,
      companyCurrency: portal.companyCurrency, additionalCurrencies: [],
      utcOffset: `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`,
      utcOffsetMilliseconds: ms, uiDomain: portal.uiDomain, dataHostingLocation: portal.dataHostingLocation,
    });
  }));
  const uninstall = handle((_req, res) => {
    const { auth } = authed(res);
    const inst = ctx.state.installation(auth.portalId, auth.appId);
    if (inst) inst.installed = false;
    ctx.state.revokeAll(auth.portalId, auth.appId);
    res.status(204).end();
  });
  r.delete('/appinstalls/v3/external-install', uninstall);
  r.delete('/appinstalls/2026-03/external-install', uninstall);
  return r;
}
