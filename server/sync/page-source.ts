import type { Knex } from 'knex';
import type { HubSpotPort, HubSpotRecord, ObjectType } from '../hubspot/port';
import { COMPANY_PROPERTIES, CONTACT_PROPERTIES } from '../schema/catalog';
import { listMembersPage } from './list-scope';
import { PAGE, type SyncCursor } from './run-model';

/**
 * Where a run's records come from, a page at a time: HubSpot's search (windowed on
 * hs_object_id, so there is no 10,000-result cap, and on hs_lastmodifieddate for the
 * nightly), a HubSpot company list, or the profiles that changed in Kustiq's graph. Each
 * read asks for the kustiq_* properties in the same request, so the plan compares with
 * what HubSpot holds at no extra cost.
 */
export interface SourcePage {
  records: HubSpotRecord[];
  /** No page follows. */
  last: boolean;
  /** Where the next page is read from. */
  next: string;
}

export const COMPANY_READ = ['name', 'domain', ...COMPANY_PROPERTIES.map((p) => p.name)];
export const CONTACT_READ = ['email', 'firstname', 'lastname', 'jobtitle', 'associatedcompanyid', ...CONTACT_PROPERTIES.map((p) => p.name)];

type Filter = { propertyName: string; operator: string; value: string };
const f = (propertyName: string, operator: string, value: string | number): Filter => ({ propertyName, operator, value: String(value) });

/** The modified-since groups of an incremental read (ORed), each also windowed on hs_object_id. */
export function filterGroups(after: string, since?: number, exclude?: [number, number] | null): { filters: Filter[] }[] {
  const id = after ? [f('hs_object_id', 'GT', after)] : [];
  if (since === undefined) return id.length ? [{ filters: id }] : [];
  const lm = 'hs_lastmodifieddate';
  if (!exclude || exclude[1] < since) return [{ filters: [...id, f(lm, 'GTE', since)] }];
  const groups = [{ filters: [...id, f(lm, 'GT', exclude[1])] }];
  if (exclude[0] > since) groups.unshift({ filters: [...id, f(lm, 'GTE', since), f(lm, 'LT', exclude[0])] });
  return groups;
}

/**
 * Pages requested ahead of the one being processed, so a slow page never leaves the search
 * budget idle. One is enough: two queue search slots back to back, and HubSpot, seeing
 * them with a little jitter, may count six in a second (measured: a 429 in bench sync).
 */
const READ_AHEAD = 1;

interface Fetched { after: string; page: SourcePage }

/** A search over one object type's records, read one page ahead. */
export class SearchSource {
  private ahead: Promise<Fetched | null>[] = [];

  constructor(private readonly port: HubSpotPort, readonly objectType: ObjectType, private readonly since: number | undefined, private readonly exclude: [number, number] | null | undefined) {}

  private async fetch(after: string): Promise<Fetched> {
    const res = await this.port.search(this.objectType, {
      filterGroups: filterGroups(after, this.since, this.exclude),
      sorts: ['hs_object_id'],
      properties: this.objectType === 'companies' ? COMPANY_READ : CONTACT_READ,
      limit: PAGE,
    });
    // HubSpot says how many records match: a page holding all of them is the last (no empty read to find out).
    const last = res.results.length < PAGE || (res.total !== null && res.total <= res.results.length);
    return { after, page: { records: res.results, last, next: res.results.length ? res.results[res.results.length - 1]!.id : after } };
  }

  /** The page after `after` (read ahead if it was), and the next one requested behind it. */
  async read(after: string): Promise<SourcePage> {
    let got = this.ahead.length ? await this.ahead.shift()!.catch(() => null) : null;
    if (!got || got.after !== after) {
      this.ahead.length = 0; // a failed or stale read-ahead is read again
      got = await this.fetch(after);
    }
    let tail: Promise<Fetched | null> = this.ahead.length ? this.ahead[this.ahead.length - 1]! : Promise.resolve(got);
    while (this.ahead.length < READ_AHEAD) {
      tail = tail.then((x) => (!x || x.page.last ? null : this.fetch(x.page.next)));
      tail.catch(() => {});
      this.ahead.push(tail);
    }
    return got.page;
  }
}

/** A run limited to a HubSpot company list reads its members (paged by HubSpot's token) instead of searching. */
export async function listPage(port: HubSpotPort, listId: string, after: string): Promise<SourcePage> {
  const page = await listMembersPage(port, listId, after, COMPANY_READ);
  return { records: page.results, last: !page.next, next: page.next ?? '' };
}

/** The source of a run's company pages: its list, or a search (incremental bounds from the cursor). */
export function companySource(port: HubSpotPort, cursor: SyncCursor): { read(after: string): Promise<SourcePage> } {
  if (cursor.listId) { const listId = cursor.listId; return { read: (after) => listPage(port, listId, after) }; }
  return new SearchSource(port, 'companies', cursor.since, cursor.exclude);
}

/** Contacts: all of them when companies that waited for credits went out (their contacts waited too), else the incremental window. */
export function contactSource(port: HubSpotPort, cursor: SyncCursor): SearchSource {
  return new SearchSource(port, 'contacts', cursor.contactsAll ? undefined : cursor.since, cursor.exclude);
}

export const PROFILES_PAGE = 1000;

export interface ChangedProfile {
  company_id: string; status: string; profile_id: string; confidence: number; method: 'domain' | 'name' | 'manual';
  written_hash: string | null; write_error: string | null; values: Record<string, string>;
}

/** Incremental runs: matched companies whose profile changed since `since`, or that waited for credits (no HubSpot read). */
export async function changedProfilesPage(knex: Knex, connectionId: string, since: number, after: string): Promise<{ rows: ChangedProfile[]; last: boolean }> {
  const rows: ChangedProfile[] = await knex('company_matches as m').join('profiles as p', 'p.id', 'm.profile_id')
    .where({ 'm.connection_id': connectionId, 'm.status': 'matched' })
    // …and those that waited for credits: they go out once the plan's period gives more.
    .andWhere((q) => q.where('p.values_changed_at', '>', new Date(since)).orWhere('m.write_error', 'ERR_QUOTA_FREE'))
    .andWhere('m.company_id', '>', after)
    .orderBy('m.company_id').limit(PROFILES_PAGE)
    .select('m.company_id', 'm.status', 'm.profile_id', 'm.confidence', 'm.method', 'm.written_hash', 'm.write_error', 'p.values');
  return { rows, last: rows.length < PROFILES_PAGE };
}
