import { HubSpotPort } from '../hubspot/port';
import type { InstallServices } from '../install/services';

/**
 * The domains of a HubSpot company list's members (lookalike mode's "best customers"):
 * memberships page by page, then the companies' domains by batch read (100 a request).
 * Needs the optional crm.lists.read scope.
 */
export const MAX_LOOKALIKE_MEMBERS = 2000;

export async function listDomains(s: InstallServices, portalId: number, listId: string, port = HubSpotPort.forPortal(s, portalId)): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await port.listMemberships(listId, after, 250);
    ids.push(...page.recordIds);
    after = page.next ?? undefined;
  } while (after && ids.length < MAX_LOOKALIKE_MEMBERS);
  const companies = await port.batchRead('companies', ids.slice(0, MAX_LOOKALIKE_MEMBERS), ['domain']);
  return companies.flatMap((c) => (c.properties.domain ? [c.properties.domain] : []));
}
