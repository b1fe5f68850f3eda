import { describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator';

describe('CRM search in the local HubSpot', () => {
  // 10,050 companies: enough to cross HubSpot's 10,000-result cap. Rate limits off: this
  // file tests search semantics, not the secondly limit.
  const fx = useEmulator({ companies: 10_050, settings: { rateLimit: { enabled: false, max: 110, windowMs: 10_000, searchPerSecond: 5 } } });

  it('refuses to page past 10,000 results with a 400, as HubSpot does', async () => {
    const ok = await fx.api('POST', '/crm/v3/objects/companies/search', { limit: 200, after: '9800' });
    expect(ok.status).toBe(200);
    expect(ok.body.total).toBe(10_050);
    expect(ok.body.results).toHaveLength(200);
    // The last allowed page offers no cursor past the cap... the client must window instead.
    const past = await fx.api('POST', '/crm/v3/objects/companies/search', { limit: 200, after: ok.body.paging.next.after });
    expect(past.status).toBe(400);
    expect(past.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(past.body.message).toMatch(/10000/);
  });

  it('reaches records beyond the cap by windowing on hs_object_id', async () => {
    const seen = new Set<string>();
    let low = '0';
    for (;;) {
      let after: string | undefined;
      let lastId = low;
      let pageCount = 0;
      for (;;) {
        const r = await fx.api('POST', '/crm/v3/objects/companies/search', {
          filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'GT', value: low }] }],
          sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
          properties: ['name'], limit: 200, after,
        });
        expect(r.status).toBe(200);
        for (const rec of r.body.results) { seen.add(rec.id); lastId = rec.id; }
        pageCount++;
        after = r.body.paging?.next?.after;
        if (!after || Number(after) >= 10_000) break;
      }
      if (lastId === low || pageCount === 0) break;
      low = lastId;
      if (seen.size >= 10_050) break;
    }
    expect(seen.size).toBe(10_050);
  });

  it('supports the documented operators, sorts and the 200-per-page limit', async () => {
    const eq = await fx.api('POST', '/crm/v3/objects/companies/search', {
      filterGroups: [{ filters: [{ propertyName: 'name', operator: 'EQ', value: 'APPLE' }] }], properties: ['name', 'domain'],
    });
    expect(eq.body.results.map((r: any) => r.properties.name)).toEqual(['Apple']);
    const inOp = await fx.api('POST', '/crm/v3/objects/companies/search', {
      filterGroups: [{ filters: [{ propertyName: 'name', operator: 'IN', values: ['walmart', 'amazon'] }] }], properties: ['name'],
      sorts: [{ propertyName: 'name', direction: 'DESCENDING' }],
    });
    expect(inOp.body.results.map((r: any) => r.properties.name)).toEqual(['Walmart', 'Amazon']);
    const token = await fx.api('POST', '/crm/v3/objects/companies/search', {
      filterGroups: [{ filters: [{ propertyName: 'name', operator: 'CONTAINS_TOKEN', value: 'Berkshire' }] }], properties: ['name'],
    });
    expect(token.body.results[0].properties.name).toBe('Berkshire Hathaway');
    const between = await fx.api('POST', '/crm/v3/objects/companies/search', {
      filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'BETWEEN', value: '1000001', highValue: '1000003' }] }],
    });
    expect(between.body.total).toBe(3);
    const noDomain = await fx.api('POST', '/crm/v3/objects/companies/search', {
      filterGroups: [{ filters: [{ propertyName: 'domain', operator: 'NOT_HAS_PROPERTY' }] }], limit: 0,
    });
    expect(noDomain.body.total).toBeGreaterThan(0);
    const orGroups = await fx.api('POST', '/crm/v3/objects/companies/search', {
      filterGroups: [
        { filters: [{ propertyName: 'name', operator: 'EQ', value: 'Apple' }] },
        { filters: [{ propertyName: 'name', operator: 'EQ', value: 'Walmart' }] },
      ],
    });
    expect(orGroups.body.total).toBe(2);
    const tooMany = await fx.api('POST', '/crm/v3/objects/companies/search', { limit: 201 });
    expect(tooMany.status).toBe(400);
    const badOp = await fx.api('POST', '/crm/v3/objects/companies/search', { filterGroups: [{ filters: [{ propertyName: 'name', operator: 'LIKE', value: 'x' }] }] });
    expect(badOp.status).toBe(400);
  });

  it('filters on hs_lastmodifieddate windows and sees writes only after the index delay', async () => {
    const before = Date.now() - 1;
    await fx.admin.settings({ searchDelayMs: 60_000 });
    const created = await fx.api('POST', '/crm/v3/objects/companies', { properties: { name: 'Index Delay GmbH', domain: 'index-delay.de' } });
    expect(created.status).toBe(201);
    const query = { filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(before) }] }], properties: ['name'] };
    const hidden = await fx.api('POST', '/crm/v3/objects/companies/search', query);
    expect(hidden.body.results.map((r: any) => r.id)).not.toContain(created.body.id);
    await fx.admin.settings({ clockAdvanceMs: 60_001 });
    const visible = await fx.api('POST', '/crm/v3/objects/companies/search', query);
    expect(visible.body.results.map((r: any) => r.id)).toContain(created.body.id);
    await fx.admin.settings({ searchDelayMs: 0 });
  });
});
