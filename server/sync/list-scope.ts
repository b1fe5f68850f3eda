import type { Knex } from 'knex';
import { FieldError } from '../errors/field-error';
import type { HubSpotPort, HubSpotRecord } from '../hubspot/port';

/**
 * A portal's sync limited to one HubSpot company list (needs the optional crm.lists.read
 * scope). A run reads the list's members (200 a request) and the members' name and domain
 * by batch read (100 a request), instead of searching all companies.
 */
export const COMPANY_OBJECT_TYPE_ID = '0-2';
// HubSpot pages memberships up to 250, but 200 (two full batch reads of 100) makes fewer requests in all.
export const MEMBERS_PAGE = 200;
export const LIST_SCOPE = 'crm.lists.read';

export interface CompanyList { listId: string; name: string; size: number | null }

/** The portal's company lists (for the picker), by name. */
export async function companyLists(port: HubSpotPort, query = ''): Promise<CompanyList[]> {
  const out: CompanyList[] = [];
  for (let offset = 0; ; ) {
    const page = await port.searchLists(query, offset, 100);
    for (const l of page.lists) {
      if (l.objectTypeId !== COMPANY_OBJECT_TYPE_ID) continue;
      const size = Number(l.additionalProperties?.hs_list_size ?? NaN);
      out.push({ listId: String(l.listId), name: l.name, size: Number.isFinite(size) ? size : null });
    }
    if (!page.hasMore || out.length >= 1000) break;
    offset = page.offset;
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Limits the portal's syncs to a company list (or, with null, lifts the limit). The next run uses it. */
export async function setSyncList(knex: Knex, port: HubSpotPort, connectionId: string, listId: string | null, granted: readonly string[]): Promise<CompanyList | null> {
  if (listId === null) {
    await knex('hubspot_connections').where({ id: connectionId }).update({ sync_list_id: null, sync_list_name: null });
    return null;
  }
  if (!granted.includes(LIST_SCOPE)) throw new FieldError('listId', `syncing a list needs the ${LIST_SCOPE} scope: reconnect HubSpot and grant it`);
  const list = await port.getList(listId);
  if (!list) throw new FieldError('listId', `HubSpot has no list ${listId}`);
  if (list.objectTypeId !== COMPANY_OBJECT_TYPE_ID) throw new FieldError('listId', `list ${listId} ("${list.name}") is not a company list`);
  await knex('hubspot_connections').where({ id: connectionId }).update({ sync_list_id: String(list.listId), sync_list_name: list.name });
  return { listId: String(list.listId), name: list.name, size: null };
}

/** One page of a list's members with the properties asked for (HubSpot's search result shape). */
export async function listMembersPage(port: HubSpotPort, listId: string, after: string, properties: string[]): Promise<{ results: HubSpotRecord[]; next: string | null }> {
  const page = await port.listMemberships(listId, after, MEMBERS_PAGE);
  // Members deleted since they joined the list come back missing: nothing to sync.
  const byId = new Map((await port.batchRead('companies', page.recordIds, properties)).map((r) => [r.id, r]));
  return { results: page.recordIds.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])), next: page.next };
}
