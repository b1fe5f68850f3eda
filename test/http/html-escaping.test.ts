import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../support/backend';

/**
 * What tenants and HubSpot put in their data (company names and domains, a webhook URL,
 * a property problem's detail) reaches the dashboard as text, never as markup.
 */
const EVIL = `<img src=x onerror="alert(1)">&"'`;

describe('the dashboard escapes what others wrote', () => {
  const fx = useBackend({ companies: 5, contacts: 0 });
  let b: ReturnType<typeof fx.browser>;
  beforeAll(async () => {
    b = fx.browser();
    await b.go('/oauth/install?purpose=login');
    const conn = await fx.db.knex('hubspot_connections').first();
    await fx.db.knex('company_matches').insert({
      connection_id: conn.id, company_id: '999', company_name: `Evil ${EVIL} Inc`, company_domain: `evil.com/${EVIL}`, status: 'review', confidence: 70,
      method: 'name', reason: EVIL, candidates: JSON.stringify([{ profileId: '00000000-0000-4000-8000-000000000009', name: EVIL, domain: EVIL, confidence: 70 }]),
    });
    await fx.db.knex('property_states').insert({ connection_id: conn.id, object_type: 'companies', name: 'kustiq_industry', status: 'conflict', code: 'ERR_SCHEMA_CONFLICT', detail: EVIL, checked_at: new Date() })
      .onConflict(['connection_id', 'object_type', 'name']).merge();
  });

  it.each(['/review', '/sync', '/integrations'])('%s shows it as text', async (page) => {
    const res = await b.go(page);
    expect(res.res.status).toBe(200);
    expect(res.body).not.toContain('<img src=x');
    expect(res.body).not.toContain('onerror="alert(1)"');
  });

  it('the review page and the sync page do show the escaped text', async () => {
    expect((await b.go('/review')).body).toContain('Evil &lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect((await b.go('/sync')).body).toContain('&lt;img src=x onerror=');
  });
});
