import { advanceRun, createRun } from '../server/sync/portal-sync';
import { fortune500 } from '../server/samples/fortune500';
import { percentile, startStack } from './stack';

/**
 * `kustiq bench inbound`: a company created in HubSpot, to its kustiq_* values stored
 * there, through HubSpot's webhook, the backend's verification, the events job and a
 * record sync on a pg-boss worker (p95 ≤ 3 s). 30 companies, one after another.
 */
export async function benchInbound() {
  const stack = await startStack({ companies: 200, worker: true });
  const { admin, emu, db, services, url } = stack;
  try {
    await advanceRun(services, await createRun(db.knex, emu.portalId));
    await admin.call('PATCH', `/apps/${emu.clientId}`, { webhookTargetUrl: `${url}/hubspot/webhooks` });
    // Companies the graph knows that the portal does not have yet (the Fortune 500 beyond its first 200).
    const real = fortune500();
    const ms: number[] = [];
    let failures = 0;
    for (let i = 0; i < 30; i++) {
      const g = real[250 + i]!;
      const t0 = performance.now();
      const created = await admin.call<{ id: string }>('POST', `/portals/${emu.portalId}/objects/companies`, { properties: { name: g.name, domain: g.domain } });
      let done = false;
      while (performance.now() - t0 < 15_000) {
        const rec = await admin.call<{ properties: Record<string, string> }>('GET', `/portals/${emu.portalId}/objects/companies/${created.id}`);
        if (rec.properties.kustiq_profile_id) { done = true; break; }
        await new Promise((r) => setTimeout(r, 20));
      }
      if (done) ms.push(performance.now() - t0);
      else failures++;
    }
    const p95 = percentile(ms, 0.95);
    return {
      name: 'inbound', companies: 30, enriched: ms.length, failures,
      p50Ms: Math.round(percentile(ms, 0.5)), p95Ms: Math.round(p95), maxMs: Math.round(Math.max(...ms)), goalP95Ms: 3000,
      pass: failures === 0 && p95 <= 3000,
    };
  } finally {
    await stack.stop();
  }
}
