import { hubspotClient } from '../hubspot/client';
import type { InstallServices } from '../install/services';

/**
 * The domains of a HubSpot company list's members (lookalike mode's "best customers"):
 * memberships page by page, then the companies' domains by batch read (100 a request).
 * Needs the optional crm.lists.read scope.
 */
export const MAX_LOOKALIKE_MEMBERS = 2000;

export async function listDomains(s: InstallServices, portalId: number, listId: string): Promise<string[]> {
  const client = hubspotClient(await s.vault.accessToken(portalId), s.config.HUBSPOT_API_BASE_URL, 3);
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await client.crm.lists.membershipsApi.getPage(listId, after, undefined, 250);
    ids.push(...page.results.map((m) => String(m.recordId)));
    after = page.paging?.next?.after;
  } while (after && ids.length < MAX_LOOKALIKE_MEMBERS);
  const domains: string[] = [];
  for (let i = 0; i < ids.length && i < MAX_LOOKALIKE_MEMBERS; i += 100) {
    const res = await client.crm.companies.batchApi.read({ inputs: ids.slice(i, i + 100).map((id) => ({ id })), properties: ['domain'], propertiesWithHistory: [] });
    for (const c of res.results) if (c.properties.domain) domains.push(c.properties.domain);
  }
  return domains;
}
