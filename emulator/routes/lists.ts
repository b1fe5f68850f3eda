import { Router } from 'express';
import { jsonBody } from '../json-body';
import { authed, handle, requireScopes, type EmulatorContext } from '../context';
import { errors } from '../errors';
import type { HubSpotList } from '../state';

export function serializeList(l: HubSpotList) {
  return {
    listId: l.listId, listVersion: 1, name: l.name, objectTypeId: l.objectTypeId, processingStatus: 'COMPLETE',
    processingType: l.processingType, createdAt: new Date(l.createdAt).toISOString(), updatedAt: new Date(l.updatedAt).toISOString(),
    size: l.members.length,
  };
}

/** Lists v3: enough for the company-list picker and reading a list's members. */
export function listRoutes(ctx: EmulatorContext): Router {
  const r = Router();
  const json = jsonBody(1 * 1024 * 1024);
  const scope = requireScopes('crm.lists.read', 'crm.lists.write');
  void ctx;

  r.post('/crm/v3/lists/search', scope, json, handle((req, res) => {
    const { portal } = authed(res);
    const b = (req.body ?? {}) as { query?: string; count?: number; offset?: number; objectTypeId?: string };
    const count = Math.min(Number(b.count ?? 20), 500);
    const offset = Number(b.offset ?? 0);
    const q = (b.query ?? '').toLowerCase();
    const all = [...portal.lists.values()].filter((l) => (!q || l.name.toLowerCase().includes(q)) && (!b.objectTypeId || l.objectTypeId === b.objectTypeId));
    const page = all.slice(offset, offset + count);
    res.json({
      lists: page.map((l) => ({ ...serializeList(l), additionalProperties: { hs_list_size: String(l.members.length) } })).map(({ size: _s, ...rest }) => rest),
      total: all.length, offset: offset + page.length, hasMore: offset + page.length < all.length,
    });
  }));

  r.get('/crm/v3/lists/:listId', scope, handle((req, res) => {
    const { portal } = authed(res);
    const l = portal.lists.get(String(req.params.listId));
    if (!l) throw errors.notFound(`List ${req.params.listId} does not exist`);
    res.json({ list: serializeList(l) });
  }));

  r.get('/crm/v3/lists/:listId/memberships', scope, handle((req, res) => {
    const { portal } = authed(res);
    const l = portal.lists.get(String(req.params.listId));
    if (!l) throw errors.notFound(`List ${req.params.listId} does not exist`);
    const limit = Math.min(Number(req.query.limit ?? 100), 250);
    const offset = req.query.after ? Number(Buffer.from(String(req.query.after), 'base64url').toString()) : 0;
    const page = l.members.slice(offset, offset + limit);
    const body: Record<string, unknown> = {
      results: page.map((m) => ({ recordId: m.recordId, membershipTimestamp: new Date(m.membershipTimestamp).toISOString() })),
      total: l.members.length,
    };
    if (offset + limit < l.members.length) {
      const after = Buffer.from(String(offset + limit)).toString('base64url');
      body.paging = { next: { after, link: `?after=${after}` } };
    }
    res.json(body);
  }));

  return r;
}
