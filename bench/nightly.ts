import { advanceRun, createRun } from '../server/sync/portal-sync';
import { startStack } from './stack';

/**
 * `kustiq bench nightly [--companies N]` (default 100,000): after a first sync, 1% of the
 * profiles change in the graph and 1% of the companies change in HubSpot; the nightly run
 * must use at most 3% of the requests a full resync would (⌈N/200⌉ reads + ⌈N/100⌉ writes).
 */
export async function benchNightly(opts: { companies?: number } = {}) {
  const n = opts.companies ?? 100_000;
  const stack = await startStack({ companies: n });
  const { db, admin, services, emu } = stack;
  try {
    const first = await advanceRun(services, await createRun(db.knex, emu.portalId, 'first'));
    // 1% of the profiles change (a new open-roles figure).
    const changedProfiles = await db.knex('company_matches').where({ status: 'matched' }).orderByRaw('md5(company_id)').limit(Math.round(n / 100)).select('profile_id');
    await db.knex('profiles').whereIn('id', changedProfiles.map((r) => r.profile_id))
      .update({ values: db.knex.raw(`jsonb_set("values", '{open_roles}', to_jsonb(coalesce(("values"->>'open_roles')::int, 0) + 1))`), values_changed_at: db.knex.fn.now() });
    // 1% of the HubSpot companies change (a rep edits the name), spread over the portal.
    const all = (await admin.call<{ results: { id: string; properties: Record<string, string> }[] }>('GET', `/portals/${emu.portalId}/objects/companies?limit=${n}`)).results;
    const step = 100;
    for (let i = 0; i < all.length; i += step) {
      const c = all[i]!;
      await admin.call('PATCH', `/portals/${emu.portalId}/objects/companies/${c.id}`, { properties: { name: `${c.properties.name} ` } });
    }
    await admin.clearRequests();
    const t0 = performance.now();
    const nightly = await advanceRun(services, await createRun(db.knex, emu.portalId, 'nightly', { overlapMs: 0 }));
    const wallMs = performance.now() - t0;
    const seen = await admin.requests(emu.portalId);
    const fullResync = Math.ceil(n / 200) + Math.ceil(first.counts.matched / 100) + 1;
    const share = seen.total / fullResync;
    return {
      name: 'nightly', companies: n, profilesChanged: changedProfiles.length, hubspotChanged: Math.ceil(all.length / step),
      requests: seen.total, fullResyncRequests: fullResync, sharePct: Math.round(share * 10000) / 100, goalPct: 3, http429: seen.http429,
      counts: nightly.counts, wallMs: Math.round(wallMs), pass: nightly.status === 'succeeded' && share <= 0.03 && seen.http429 === 0,
    };
  } finally {
    await stack.stop();
  }
}
