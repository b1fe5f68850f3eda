import type { Knex } from 'knex';
import { enrichContact } from '../contacts/enrich-contact';
import { KustiqError } from '../errors/codes';
import { catalogProperty, CONTACT_PROPERTIES } from '../schema/catalog';
import { refundCredits, spendCredits } from '../credits/credit-ledger';
import { loadIcp } from '../icp/icp-store';
import type { InstallServices } from '../install/services';
import { normalizeDomain } from '../matching/domain';
import { storeMatches } from '../matching/match-portal';
import { graphSize, matchBatchInPostgres } from '../matching/pg-matcher';
import { bodyOf, HubSpotGateway, statusOf } from './hubspot-gateway';
import { enqueueEvents, type EnrichedRecord } from '../webhooks/outbox';
import { listMembersPage } from './list-scope';
import { budgetFor, type RateBudget } from './rate-budget';
import { contactValues, matchedCompanyValues, stamped, valuesHash, type Wire } from './record-values';

/**
 * A portal's full sync (first run, or the weekly reconciliation), as resumable steps.
 * Each step reads one search page (200 records, windowed on hs_object_id so there is no
 * 10,000-result cap), matches it, and writes the records whose values changed in batches
 * of 100; the batch rows, the records' written hashes and the run's cursor commit in one
 * transaction, so a worker killed at any point loses nothing and the next one continues
 * from the last committed page. Companies first, then contacts (with
 * associatedcompanyid from the same search: no association calls).
 */
export const PAGE = 200;
export const BATCH = 100;

export interface SyncCursor {
  phase: 'companies' | 'profiles' | 'contacts' | 'done';
  after: string;
  seq: number;
  /**
   * Incremental runs: records modified since `since` (epoch ms), except in `exclude`, the
   * span in which the previous run's own writes landed (they bump hs_lastmodifieddate
   * too); and profiles changed since `profilesSince`. Absent on full runs.
   */
  since?: number;
  exclude?: [number, number] | null;
  profilesSince?: number;
  /**
   * The last record id of the phase's pages already counted: a page read again after a
   * resume (its records were still waiting in the carry) is written from, not counted twice.
   */
  countedThrough?: string;
  /** Only the members of this HubSpot company list (the portal's sync scope when the run was created). */
  listId?: string;
  /** Companies that waited for credits went out in this run: read all contacts, not only changed ones (theirs waited too). */
  contactsAll?: boolean;
}

export interface SyncCounts {
  companiesRead: number;
  matched: number;
  review: number;
  unmatched: number;
  skipped: number;
  companiesWritten: number;
  companiesUnchanged: number;
  contactsRead: number;
  contactsEligible: number;
  contactsWritten: number;
  contactsUnchanged: number;
  failedRecords: number;
  optionsAdded: number;
  /** Credits this run spent (a record's first enrichment in the plan's period). */
  creditsSpent: number;
  /** Companies left unwritten because the plan's credits were spent (ERR_QUOTA_FREE); they go out when credits return. */
  waitingForCredits: number;
}

export const emptyCounts = (): SyncCounts => ({
  companiesRead: 0, matched: 0, review: 0, unmatched: 0, skipped: 0, companiesWritten: 0, companiesUnchanged: 0,
  contactsRead: 0, contactsEligible: 0, contactsWritten: 0, contactsUnchanged: 0, failedRecords: 0, optionsAdded: 0,
  creditsSpent: 0, waitingForCredits: 0,
});

interface RunRow { id: string; connection_id: string; cursor: SyncCursor; counts: SyncCounts; status: string }

interface SearchPage { total?: number; results: { id: string; properties: Record<string, string | null> }[] }

/** HubSpot says how many records match: a page holding all of them is the last (no empty read to find out). */
const isLast = (page: SearchPage) => page.results.length < PAGE || (typeof page.total === 'number' && page.total <= page.results.length);

type Filter = { propertyName: string; operator: never; value: string };
const f = (propertyName: string, operator: string, value: string | number): Filter => ({ propertyName, operator: operator as never, value: String(value) });

/** The modified-since groups of an incremental read (ORed), each also windowed on hs_object_id. */
function filterGroups(after: string, since?: number, exclude?: [number, number] | null): { filters: Filter[] }[] {
  const id = after ? [f('hs_object_id', 'GT', after)] : [];
  if (since === undefined) return id.length ? [{ filters: id }] : [];
  const lm = 'hs_lastmodifieddate';
  if (!exclude || exclude[1] < since) return [{ filters: [...id, f(lm, 'GTE', since)] }];
  const groups = [{ filters: [...id, f(lm, 'GT', exclude[1])] }];
  if (exclude[0] > since) groups.unshift({ filters: [...id, f(lm, 'GTE', since), f(lm, 'LT', exclude[0])] });
  return groups;
}

async function searchPage(gw: HubSpotGateway, objectType: 'companies' | 'contacts', after: string, properties: string[], since?: number, exclude?: [number, number] | null): Promise<SearchPage> {
  const request = {
    filterGroups: filterGroups(after, since, exclude),
    sorts: ['hs_object_id'],
    properties,
    limit: PAGE,
    after: '0',
  };
  return gw.call('search', (c) => (objectType === 'companies' ? c.crm.companies.searchApi.doSearch(request) : c.crm.contacts.searchApi.doSearch(request))) as Promise<SearchPage>;
}

/** Technology options the portal's kustiq_tech_stack has; new ones are added before the batch that needs them. */
export class TechOptions {
  // The schema sync gave the property every catalog technology; only others are looked up.
  private known: Set<string> | null = new Set(catalogProperty('companies', 'kustiq_tech_stack')?.options?.map((o) => o.value) ?? []);
  constructor(private readonly gw: HubSpotGateway) {}

  async ensure(values: Wire[], counts: SyncCounts): Promise<void> {
    const wanted = new Set(values.flatMap((v) => (v.kustiq_tech_stack ?? '').split(';').filter(Boolean)));
    if (!wanted.size) return;
    if (this.known && [...wanted].every((v) => this.known!.has(v))) return;
    const p = await this.gw.call('general', (c) => c.crm.properties.coreApi.getByName('companies', 'kustiq_tech_stack'));
    this.known = new Set((p.options ?? []).map((o) => o.value));
    const missing = [...wanted].filter((v) => !this.known!.has(v));
    if (!missing.length) return;
    const options = [...(p.options ?? []), ...missing.map((value, i) => ({ value, label: value, hidden: false, displayOrder: (p.options?.length ?? 0) + i }))];
    await this.gw.call('general', (c) => c.crm.properties.coreApi.update('companies', 'kustiq_tech_stack', { options }));
    for (const v of missing) this.known.add(v);
    counts.optionsAdded += missing.length;
  }

  forget(): void {
    this.known = null;
  }
}

interface WriteOutcome { written: string[]; failed: { id: string; code: string }[]; skipped: Record<string, number>; /** HubSpot's clock: when the writes landed (epoch ms). */ landed?: [number, number] }

/** One batch update; per-record outcomes (archived/merged ids come back as errors in a 207). */
export async function writeBatch(gw: HubSpotGateway, objectType: 'companies' | 'contacts', inputs: { id: string; properties: Wire }[], tech: TechOptions | null, counts: SyncCounts): Promise<WriteOutcome> {
  const out: WriteOutcome = { written: [], failed: [], skipped: {} };
  if (!inputs.length) return out;
  if (tech) await tech.ensure(inputs.map((i) => i.properties), counts);
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await gw.call('general', (c) => (objectType === 'companies'
        ? c.crm.companies.batchApi.update({ inputs })
        : c.crm.contacts.batchApi.update({ inputs }))) as { results: { id: string; updatedAt?: Date | string }[]; errors?: { category?: string; context?: { ids?: string[] } }[] };
      const ok = new Set(res.results.map((r) => String(r.id)));
      const times = res.results.map((r) => new Date(r.updatedAt ?? NaN).getTime()).filter((t) => Number.isFinite(t));
      if (times.length) out.landed = [Math.min(...times), Math.max(...times)];
      for (const i of inputs) {
        if (ok.has(i.id)) out.written.push(i.id);
        else out.skipped.record_gone = (out.skipped.record_gone ?? 0) + 1;
      }
      return out;
    } catch (err) {
      const body = bodyOf(err);
      const text = JSON.stringify(body);
      if (statusOf(err) === 400 && /INVALID_OPTION/.test(text) && tech && attempt === 0) {
        // Someone edited the options since we looked: look again and retry once.
        tech.forget();
        await tech.ensure(inputs.map((i) => i.properties), counts);
        continue;
      }
      if (statusOf(err) === 400) {
        const code = /READ_ONLY|read-only|readOnly/i.test(text) ? 'ERR_PROPERTY_READONLY' : /INVALID_OPTION/.test(text) ? 'invalid_option' : 'hubspot_validation';
        for (const i of inputs) out.failed.push({ id: i.id, code });
        out.skipped[code] = (out.skipped[code] ?? 0) + inputs.length;
        return out;
      }
      throw err;
    }
  }
}

/** When this run's writes landed (epoch ms), per gateway: recorded with each checkpoint. */
const writeSpans = new WeakMap<HubSpotGateway, { first?: number; last?: number }>();

/** Adds per-second request counts to a run's; keeps the last hour (the chart's span). */
export function mergeSeconds(stored: Record<string, [number, number]>, add: [number, [number, number]][]): Record<string, [number, number]> {
  const out = { ...stored };
  for (const [sec, [g, q]] of add) {
    const cur = out[sec] ?? [0, 0];
    out[sec] = [cur[0] + g, cur[1] + q];
  }
  const keys = Object.keys(out).map(Number).sort((a, b) => a - b);
  for (const k of keys.slice(0, Math.max(0, keys.length - 3600))) delete out[k];
  return out;
}

async function checkpoint(knex: Knex, run: RunRow, cursor: SyncCursor, counts: SyncCounts, gw: HubSpotGateway, batches: { objectType: string; records: number; written: number; skipped: Record<string, number>; ms: number }[], records: (trx: Knex.Transaction) => Promise<void>): Promise<void> {
  // Requests made while this commits (a prefetch) belong to the next checkpoint.
  const requests = gw.tally.requests;
  const http429 = gw.tally.http429;
  const seconds = [...gw.tally.seconds];
  gw.tally.seconds.clear();
  await knex.transaction(async (trx) => {
    await records(trx);
    if (seconds.length) {
      const row = await trx('sync_runs').where({ id: run.id }).first('request_seconds');
      await trx('sync_runs').where({ id: run.id }).update({ request_seconds: JSON.stringify(mergeSeconds(row?.request_seconds ?? {}, seconds)) });
    }
    let seq = run.cursor.seq;
    for (const b of batches) {
      seq++;
      await trx('sync_batches').insert({ run_id: run.id, seq, object_type: b.objectType, status: b.written === b.records ? 'written' : b.written ? 'partial' : 'failed', records: b.records, written: b.written, skipped: JSON.stringify(b.skipped), ms: Math.round(b.ms) });
    }
    cursor.seq = seq;
    await trx('sync_runs').where({ id: run.id }).update({
      cursor: JSON.stringify(cursor), counts: JSON.stringify(counts),
      requests: trx.raw('requests + ?', [requests]), http429: trx.raw('http429 + ?', [http429]),
      ...(writeSpans.get(gw)?.first ? {
        first_write_at: trx.raw('coalesce(first_write_at, ?)', [new Date(writeSpans.get(gw)!.first!)]),
        last_write_at: trx.raw('greatest(last_write_at, ?)', [new Date(writeSpans.get(gw)!.last!)]),
      } : {}),
    });
  });
  run.cursor = cursor;
  gw.tally.requests -= requests;
  gw.tally.http429 -= http429;
}

export interface StepContext {
  connectionId: string;
  /** The next pages, requested while this one is matched and written (reads overlap writes). */
  prefetch?: { objectType: 'companies' | 'contacts'; pages: Promise<Fetched | null>[] };
  s: InstallServices;
  gw: HubSpotGateway;
  tech: TechOptions;
  total: number;
  icp: Awaited<ReturnType<typeof loadIcp>>;
  credits: { workspaceId: string; metered: boolean; runId: string };
  matchedCompanies?: { ids: Set<string>; domains: Map<string, string>; domainOf: Map<string, string>; profileOf: Map<string, string> };
  /** Where the next page is read from (the committed cursor may lag behind while records wait in `carry`). */
  readAfter?: string;
  /**
   * Changed records read but not yet written: batches go out full (100), so a page's
   * remainder waits for the next page. The committed cursor stays at the page the oldest
   * waiting record came from, so a lost worker re-reads it rather than losing it.
   */
  carry: Pending[];
}

export interface Pending { id: string; properties: Wire; hash: string; pageAfter: string; companyId?: string; /** it had waited for credits */ waited?: boolean }

// kustiq_last_synced_at and the contact values come along so a write a lost worker sent
// (but never recorded) is recognised on the re-read instead of sent again.
const COMPANY_READ = ['name', 'domain', 'kustiq_last_synced_at'];

/** The cursor at the start of the next phase (the incremental bounds carry over). */
const next = (c: SyncCursor, phase: SyncCursor['phase']): SyncCursor => ({ ...c, phase, after: '', countedThrough: undefined });

/** Whether a page (by its last record id, HubSpot's numeric ids in ascending order) has not been counted yet; marks it counted. */
function firstReading(cursor: SyncCursor, lastId: string): boolean {
  if (!/^\d+$/.test(lastId)) return true;
  if (cursor.countedThrough && BigInt(lastId) <= BigInt(cursor.countedThrough)) return false;
  cursor.countedThrough = lastId;
  return true;
}
const afterCompanies = (c: SyncCursor): SyncCursor['phase'] => (c.profilesSince !== undefined ? 'profiles' : 'contacts');
const CONTACT_READ = ['email', 'firstname', 'lastname', 'jobtitle', 'associatedcompanyid', ...CONTACT_PROPERTIES.map((p) => p.name)];

/**
 * Pages requested ahead of the one being processed, so a slow page never leaves the search
 * budget idle. One is enough: two queue search slots back to back, and HubSpot, seeing
 * them with a little jitter, may count six in a second (measured: a 429 in bench sync).
 */
const READ_AHEAD = 1;

interface Fetched { after: string; page: SearchPage }

/** This step's page (read ahead if it was), and up to READ_AHEAD next pages requested behind it. */
async function pageFor(ctx: StepContext, objectType: 'companies' | 'contacts', after: string, cursor: SyncCursor): Promise<SearchPage> {
  const props = objectType === 'companies' ? COMPANY_READ : CONTACT_READ;
  const since = objectType === 'contacts' && cursor.contactsAll ? undefined : cursor.since;
  const fetch = (from: string): Promise<Fetched> => searchPage(ctx.gw, objectType, from, props, since, cursor.exclude).then((page) => ({ after: from, page }));
  const ahead = ctx.prefetch?.objectType === objectType ? ctx.prefetch.pages : [];
  let got = ahead.length ? await ahead.shift()!.catch(() => null) : null;
  if (!got || got.after !== after) {
    ahead.length = 0; // a failed or stale read-ahead is read again
    got = await fetch(after);
  }
  let tail: Promise<Fetched | null> = ahead.length ? ahead[ahead.length - 1]! : Promise.resolve(got);
  while (ahead.length < READ_AHEAD) {
    tail = tail.then((f) => (!f || isLast(f.page) ? null : fetch(String(f.page.results[f.page.results.length - 1]!.id))));
    tail.catch(() => {});
    ahead.push(tail);
  }
  ctx.prefetch = { objectType, pages: ahead };
  return got.page;
}

async function companiesStep(ctx: StepContext, run: RunRow): Promise<void> {
  const { s, gw } = ctx;
  const counts = run.counts;
  const from = ctx.readAfter ?? run.cursor.after;
  // A run limited to a HubSpot list reads its members (paged by HubSpot's token) instead of searching.
  const listed = run.cursor.listId ? await listMembersPage(gw, run.cursor.listId, from, COMPANY_READ) : null;
  const page: SearchPage = listed ?? await pageFor(ctx, 'companies', from, run.cursor);
  if (listed && !listed.results.length && listed.next) {
    ctx.readAfter = listed.next; // a page of members all deleted since: nothing to do here
    return;
  }
  if (!page.results.length) {
    // Records vanished since the last page said there were more: write what waits, move on.
    await flushCarry(ctx, run, 'companies', afterCompanies(run.cursor));
    return;
  }
  const companies = page.results.map((c) => ({ id: String(c.id), name: c.properties.name ?? '', domain: c.properties.domain ?? '' }));
  const results = await matchBatchInPostgres(s.knex, companies, ctx.total);
  await storeMatches(s.knex, run.connection_id, companies, results);
  // Counted once per record even if the page is read again after a resume (list pages are counted as read).
  const tally = listed || firstReading(run.cursor, companies[companies.length - 1]!.id) ? counts : emptyCounts();
  tally.companiesRead += companies.length;
  // What is stored decides (a person's confirmation or rejection wins over the matcher).
  const stored: { company_id: string; status: string; profile_id: string | null; confidence: number; method: 'domain' | 'name' | 'manual'; written_hash: string | null; write_error: string | null; values: Record<string, string> | null }[] =
    await s.knex('company_matches as m').leftJoin('profiles as p', 'p.id', 'm.profile_id')
      .where('m.connection_id', run.connection_id).whereIn('m.company_id', companies.map((c) => c.id))
      .select('m.company_id', 'm.status', 'm.profile_id', 'm.confidence', 'm.method', 'm.written_hash', 'm.write_error', 'p.values');
  // Writes a lost worker sent but never recorded: HubSpot carries their stamp.
  const intents: { record_id: string; hash: string; stamp_ms: string }[] = await s.knex('sync_intents')
    .where({ connection_id: run.connection_id, object_type: 'companies' }).whereIn('record_id', companies.map((c) => c.id));
  const syncedAt = new Map(page.results.map((c) => [String(c.id), Date.parse(c.properties.kustiq_last_synced_at ?? '')]));
  const landed = intents.filter((i) => syncedAt.get(i.record_id) === Number(i.stamp_ms));
  if (landed.length) {
    const hashes = new Map(landed.map((i) => [i.record_id, i.hash]));
    for (const m of stored) if (hashes.has(m.company_id)) m.written_hash = hashes.get(m.company_id)!;
    await s.knex.transaction(async (trx) => {
      // Written by a worker lost before its checkpoint: recorded now, with their events (values from the same profile, stamped as sent).
      const m = new Map(stored.map((x) => [x.company_id, x]));
      await enqueueEvents(trx, s.boss, { workspaceId: ctx.credits.workspaceId, portalId: gw.portalId, type: 'company.enriched', objectType: 'companies', records: landed.flatMap((i) => {
        const x = m.get(i.record_id);
        if (!x?.profile_id || !x.values) return [];
        return [{ objectId: i.record_id, profileId: x.profile_id, properties: stamped(matchedCompanyValues(x.values, { profileId: x.profile_id, confidence: x.confidence, method: x.method }, ctx.icp?.definition ?? null), new Date(Number(i.stamp_ms))) }];
      }) });
      for (const i of landed) await trx('company_matches').where({ connection_id: run.connection_id, company_id: i.record_id }).update({ written_hash: i.hash, written_at: new Date(Number(i.stamp_ms)), write_status: 'written' });
      await trx('sync_intents').where({ connection_id: run.connection_id, object_type: 'companies' }).whereIn('record_id', landed.map((i) => i.record_id)).delete();
    });
  }
  const now = new Date();
  const pageAfter = ctx.readAfter ?? run.cursor.after;
  for (const m of stored) {
    if (m.status === 'matched') tally.matched++;
    else if (m.status === 'review') tally.review++;
    else if (m.status === 'skipped') tally.skipped++;
    else tally.unmatched++;
    if (m.status !== 'matched' || !m.profile_id || !m.values) continue;
    carryIfChanged(ctx, { ...m, profile_id: m.profile_id, values: m.values }, now, pageAfter, tally);
  }
  const last = listed ? !listed.next : isLast(page);
  const { batches, written, failed } = await writeFullBatches(ctx, run, 'companies', last);
  counts.companiesWritten += written.length;
  ctx.readAfter = listed ? listed.next ?? '' : companies[companies.length - 1]!.id;
  const cursor: SyncCursor = last ? next(run.cursor, afterCompanies(run.cursor)) : { ...run.cursor, after: ctx.carry[0]?.pageAfter ?? ctx.readAfter };
  if (last) ctx.readAfter = undefined;
  await checkpoint(s.knex, run, cursor, counts, gw, batches, async (trx) => {
    await recordCompanyWrites(trx, ctx, written, failed, now);
  });
}

async function flushCarry(ctx: StepContext, run: RunRow, objectType: 'companies' | 'contacts', nextPhase: SyncCursor['phase']): Promise<void> {
  const { batches, written, failed } = await writeFullBatches(ctx, run, objectType, true);
  // The next phase's cursor is made after the writes, so what they marked on the run's cursor carries over.
  const cursor = next(run.cursor, nextPhase);
  const now = new Date();
  if (objectType === 'companies') run.counts.companiesWritten += written.length;
  else run.counts.contactsWritten += written.length;
  ctx.readAfter = undefined;
  await checkpoint(ctx.s.knex, run, cursor, run.counts, ctx.gw, batches, async (trx) => {
    if (objectType === 'companies') await recordCompanyWrites(trx, ctx, written, failed, now);
    else await recordContactWrites(trx, ctx, written, now);
  });
}

async function recordIntents(knex: Knex, connectionId: string, chunk: Pending[]): Promise<void> {
  await knex('sync_intents')
    .insert(chunk.map((c) => ({ connection_id: connectionId, object_type: 'companies', record_id: c.id, hash: c.hash, stamp_ms: Number(c.properties.kustiq_last_synced_at) })))
    .onConflict(['connection_id', 'object_type', 'record_id']).merge();
}

/** Records what was written, in one statement (a page's worth of single-row updates would hold the pipeline up). */
export async function markCompaniesWritten(trx: Knex.Transaction, connectionId: string, written: Pending[], now: Date, withFit: boolean): Promise<void> {
  if (!written.length) return;
  await trx('sync_intents').where({ connection_id: connectionId, object_type: 'companies' }).whereIn('record_id', written.map((w) => w.id)).delete();
  const rows = written.map((w) => ({
    id: w.id, hash: w.hash,
    fit: withFit ? Object.fromEntries(Object.entries(w.properties).filter(([k]) => k.startsWith('kustiq_score_') || k.startsWith('kustiq_icp_'))) : null,
  }));
  await trx.raw(
    `UPDATE company_matches m SET written_hash = x.hash, written_at = ?, write_status = 'written', write_error = NULL,
       fit_values = coalesce(x.fit, m.fit_values), fit_written_at = CASE WHEN x.fit IS NULL THEN m.fit_written_at ELSE ? END
     FROM jsonb_to_recordset(?::jsonb) AS x(id text, hash text, fit jsonb)
     WHERE m.connection_id = ? AND m.company_id = x.id`,
    [now, now, JSON.stringify(rows), connectionId],
  );
}

interface MatchedCompany { company_id: string; profile_id: string; confidence: number; method: 'domain' | 'name' | 'manual'; written_hash: string | null; write_error?: string | null; values: Record<string, string> }

/** A matched company's values, queued for writing unless they hash to what was last written. */
function carryIfChanged(ctx: StepContext, m: MatchedCompany, now: Date, pageAfter: string, counts: SyncCounts): void {
  const values = matchedCompanyValues(m.values, { profileId: m.profile_id, confidence: m.confidence, method: m.method }, ctx.icp?.definition ?? null);
  const hash = valuesHash(values);
  if (hash === m.written_hash) counts.companiesUnchanged++;
  else ctx.carry.push({ id: m.company_id, properties: stamped(values, now), hash, pageAfter, waited: m.write_error === 'ERR_QUOTA_FREE' });
}

/** What a step wrote (and what HubSpot refused, by code), inside the step's checkpoint. */
async function recordCompanyWrites(trx: Knex.Transaction, ctx: StepContext, written: Pending[], failed: { id: string; code: string }[], now: Date): Promise<void> {
  const connectionId = ctx.connectionId;
  await markCompaniesWritten(trx, connectionId, written, now, !!ctx.icp);
  await enqueueEvents(trx, ctx.s.boss, { workspaceId: ctx.credits.workspaceId, portalId: ctx.gw.portalId, type: 'company.enriched', objectType: 'companies', records: written.map(companyEvent) });
  const byCode = new Map<string, string[]>();
  for (const f of failed) byCode.set(f.code, [...(byCode.get(f.code) ?? []), f.id]);
  for (const [code, ids] of byCode) await trx('company_matches').where({ connection_id: connectionId }).whereIn('company_id', ids).update({ write_error: code });
}

const companyEvent = (w: Pending): EnrichedRecord => ({ objectId: w.id, profileId: w.properties.kustiq_profile_id ?? null, properties: w.properties });

/** What a step wrote of contacts (and, for the outbox, their company's profile), inside the step's checkpoint. */
async function recordContactWrites(trx: Knex.Transaction, ctx: StepContext, written: Pending[], now: Date): Promise<void> {
  if (!written.length) return;
  await trx('contact_writes').insert(written.map((w) => ({ connection_id: ctx.connectionId, contact_id: w.id, company_id: w.companyId ?? null, written_hash: w.hash, written_at: now, write_error: null })))
    .onConflict(['connection_id', 'contact_id']).merge();
  await enqueueEvents(trx, ctx.s.boss, {
    workspaceId: ctx.credits.workspaceId, portalId: ctx.gw.portalId, type: 'contact.enriched', objectType: 'contacts',
    records: written.map((w) => ({ objectId: w.id, profileId: (w.companyId && ctx.matchedCompanies?.profileOf.get(w.companyId)) || null, properties: w.properties })),
  });
}

/**
 * Writes full batches of 100 from the carry (and the remainder too on the last page).
 * Companies spend credits first: those the plan cannot pay for are not sent and wait
 * (ERR_QUOTA_FREE) until credits return; a credit spent on a record HubSpot then refuses
 * is given back.
 */
async function writeFullBatches(ctx: StepContext, run: RunRow, objectType: 'companies' | 'contacts', last: boolean) {
  const counts = run.counts;
  const batches = [];
  const written: Pending[] = [];
  const failed: { id: string; code: string }[] = [];
  while (ctx.carry.length >= BATCH || (last && ctx.carry.length)) {
    let chunk = ctx.carry.splice(0, BATCH);
    const t0 = performance.now();
    let spent = new Set<string>();
    let refused = 0;
    if (objectType === 'companies') {
      const paid = await spendCredits(ctx.s.knex, { ...ctx.credits, connectionId: ctx.connectionId, objectType, recordIds: chunk.map((c) => c.id) });
      counts.creditsSpent += paid.spent;
      refused = paid.refused.length;
      if (refused) {
        counts.waitingForCredits += refused;
        failed.push(...paid.refused.map((id) => ({ id, code: 'ERR_QUOTA_FREE' })));
        const ok = new Set(paid.granted);
        chunk = chunk.filter((c) => ok.has(c.id));
      }
      spent = new Set(paid.spentIds);
      if (!chunk.length) continue;
      await recordIntents(ctx.s.knex, ctx.connectionId, chunk);
    }
    const out = await writeBatch(ctx.gw, objectType, chunk.map(({ id, properties }) => ({ id, properties })), objectType === 'companies' ? ctx.tech : null, counts);
    // On HubSpot's clock (the records' new hs_lastmodifieddate), so the next run can leave exactly these out.
    if (out.landed) {
      const span = writeSpans.get(ctx.gw) ?? {};
      span.first = Math.min(span.first ?? Infinity, out.landed[0]);
      span.last = Math.max(span.last ?? -Infinity, out.landed[1]);
      writeSpans.set(ctx.gw, span);
    }
    const ok = new Set(out.written);
    written.push(...chunk.filter((c) => ok.has(c.id)));
    // A company that waited for credits went out in an incremental run: its contacts waited too, so read them all.
    if (run.cursor.since !== undefined && objectType === 'companies' && chunk.some((c) => c.waited && ok.has(c.id))) run.cursor.contactsAll = true;
    failed.push(...out.failed);
    counts.failedRecords += out.failed.length;
    const unpaid = chunk.filter((c) => !ok.has(c.id) && spent.has(c.id)).map((c) => c.id);
    if (unpaid.length) counts.creditsSpent -= await refundCredits(ctx.s.knex, { workspaceId: ctx.credits.workspaceId, connectionId: ctx.connectionId, recordIds: unpaid });
    const skipped = refused ? { ...out.skipped, ERR_QUOTA_FREE: refused } : out.skipped;
    batches.push({ objectType, records: chunk.length + refused, written: out.written.length, skipped, ms: performance.now() - t0 });
  }
  return { batches, written, failed };
}

/** Incremental runs: matched companies whose profile changed since the last run, or that waited for credits (no HubSpot reads needed). */
async function profilesStep(ctx: StepContext, run: RunRow): Promise<void> {
  const { s } = ctx;
  const counts = run.counts;
  const rows: MatchedCompany[] =
    await s.knex('company_matches as m').join('profiles as p', 'p.id', 'm.profile_id')
      .where({ 'm.connection_id': run.connection_id, 'm.status': 'matched' })
      // …and those that waited for credits: they go out once the plan's period gives more.
      .andWhere((q) => q.where('p.values_changed_at', '>', new Date(run.cursor.profilesSince ?? 0)).orWhere('m.write_error', 'ERR_QUOTA_FREE'))
      .andWhere('m.company_id', '>', ctx.readAfter ?? run.cursor.after)
      .orderBy('m.company_id').limit(1000)
      .select('m.company_id', 'm.profile_id', 'm.confidence', 'm.method', 'm.written_hash', 'm.write_error', 'p.values');
  const now = new Date();
  const pageAfter = ctx.readAfter ?? run.cursor.after;
  for (const m of rows) carryIfChanged(ctx, m, now, pageAfter, counts);
  const last = rows.length < 1000;
  const { batches, written, failed } = await writeFullBatches(ctx, run, 'companies', last);
  counts.companiesWritten += written.length;
  ctx.readAfter = rows.length ? rows[rows.length - 1]!.company_id : ctx.readAfter;
  const cursor: SyncCursor = last ? next(run.cursor, 'contacts') : { ...run.cursor, after: ctx.carry[0]?.pageAfter ?? ctx.readAfter ?? '' };
  if (last) ctx.readAfter = undefined;
  await checkpoint(s.knex, run, cursor, counts, ctx.gw, batches, async (trx) => {
    await recordCompanyWrites(trx, ctx, written, failed, now);
  });
}

async function loadMatchedCompanies(knex: Knex, connectionId: string): Promise<NonNullable<StepContext['matchedCompanies']>> {
  // A company waiting for credits, never enriched, has its contacts wait with it.
  const rows: { company_id: string; company_domain: string | null; profile_id: string }[] = await knex('company_matches').where({ connection_id: connectionId, status: 'matched' })
    .andWhere((q) => q.whereNot('write_error', 'ERR_QUOTA_FREE').orWhereNull('write_error').orWhereNotNull('written_hash')).select('company_id', 'company_domain', 'profile_id');
  const ids = new Set<string>();
  const domains = new Map<string, string>();
  const domainOf = new Map<string, string>();
  const profileOf = new Map<string, string>();
  for (const r of rows) {
    ids.add(r.company_id);
    profileOf.set(r.company_id, r.profile_id);
    const d = normalizeDomain(r.company_domain).domain;
    if (d) { domains.set(d, r.company_id); domainOf.set(r.company_id, d); }
  }
  return { ids, domains, domainOf, profileOf };
}

async function contactsStep(ctx: StepContext, run: RunRow): Promise<void> {
  const { s, gw } = ctx;
  const counts = run.counts;
  ctx.matchedCompanies ??= await loadMatchedCompanies(s.knex, run.connection_id);
  const matched = ctx.matchedCompanies;
  const page = await pageFor(ctx, 'contacts', ctx.readAfter ?? run.cursor.after, run.cursor);
  const pageAfter = ctx.readAfter ?? run.cursor.after;
  if (!page.results.length) {
    // Records vanished since the last page said there were more: write what waits, move on.
    await flushCarry(ctx, run, 'contacts', 'done');
    return;
  }
  const tally = firstReading(run.cursor, String(page.results[page.results.length - 1]!.id)) ? counts : emptyCounts();
  tally.contactsRead += page.results.length;
  const previous = new Map<string, string | null>((await s.knex('contact_writes').where('connection_id', run.connection_id).whereIn('contact_id', page.results.map((c) => String(c.id))).select('contact_id', 'written_hash')).map((r) => [r.contact_id, r.written_hash]));
  const now = new Date();
  const recordOnly: Pending[] = [];
  for (const c of page.results) {
    const p = c.properties;
    const email = p.email ?? '';
    const assoc = p.associatedcompanyid && matched.ids.has(String(p.associatedcompanyid)) ? String(p.associatedcompanyid) : null;
    const emailDomain = normalizeDomain(email.slice(email.lastIndexOf('@') + 1));
    const byDomain = emailDomain.domain && !emailDomain.generic ? matched.domains.get(emailDomain.domain) ?? null : null;
    const companyId = assoc ?? byDomain;
    if (!companyId) continue;
    tally.contactsEligible++;
    const values = contactValues(enrichContact({ email, firstname: p.firstname, lastname: p.lastname, jobtitle: p.jobtitle, companyDomain: matched.domainOf.get(companyId) ?? null }));
    const hash = valuesHash(values);
    const already = Object.entries(values).every(([k, v]) => (p[k] ?? '') === v);
    if (previous.get(String(c.id)) === hash || already) {
      tally.contactsUnchanged++;
      // HubSpot has these values but we have no record of writing them (a lost worker): record it now.
      if (previous.get(String(c.id)) !== hash) recordOnly.push({ id: String(c.id), properties: values, hash, companyId, pageAfter });
      continue;
    }
    ctx.carry.push({ id: String(c.id), properties: values, hash, companyId, pageAfter });
  }
  const last = isLast(page);
  const { batches, written } = await writeFullBatches(ctx, run, 'contacts', last);
  counts.contactsWritten += written.length;
  ctx.readAfter = String(page.results[page.results.length - 1]!.id);
  const cursor: SyncCursor = last ? next(run.cursor, 'done') : { ...run.cursor, after: ctx.carry[0]?.pageAfter ?? ctx.readAfter };
  if (last) ctx.readAfter = undefined;
  await checkpoint(s.knex, run, cursor, counts, gw, batches, async (trx) => {
    // Contacts a lost worker wrote but never recorded get their record (and their event) now.
    await recordContactWrites(trx, ctx, [...written, ...recordOnly], now);
  });
}

export interface RunOutcome {
  done: boolean;
  status: 'succeeded' | 'running' | 'failed' | 'waiting';
  counts: SyncCounts;
}

/**
 * Advances a run until it is done or `deadline` passes (then the caller queues the rest:
 * long runs move in slices so a lost worker costs one slice, not the run).
 */
export async function advanceRun(s: InstallServices, runId: string, opts: { budget?: RateBudget; deadline?: number } = {}): Promise<RunOutcome> {
  const run: RunRow = await s.knex('sync_runs').where({ id: runId }).first();
  if (!run) throw new Error(`no sync run ${runId}`);
  if (run.status === 'succeeded' || run.status === 'failed') return { done: true, status: run.status, counts: run.counts };
  const conn = await s.knex('hubspot_connections').where({ id: run.connection_id }).first();
  run.counts = { ...emptyCounts(), ...run.counts };
  run.cursor = { ...({ phase: 'companies', after: '', seq: 0 } as SyncCursor), ...run.cursor };
  await s.knex('sync_runs').where({ id: runId }).update({ status: 'running', error_code: null, error_detail: null, started_at: s.knex.raw('coalesce(started_at, now())') });
  const gw = new HubSpotGateway(s, Number(conn.portal_id), opts.budget ?? budgetFor(s));
  const ctx: StepContext = { s, gw, connectionId: run.connection_id, carry: [], tech: new TechOptions(gw), total: await graphSize(s.knex), icp: await loadIcp(s.knex, conn.workspace_id),
    credits: { workspaceId: conn.workspace_id, metered: s.config.KUSTIQ_CREDITS === 'metered', runId } };
  try {
    if (conn.status !== 'connected') throw new KustiqError('ERR_OAUTH_REVOKED', `HubSpot portal ${conn.portal_id} is disconnected`);
    while (run.cursor.phase !== 'done') {
      if (opts.deadline && Date.now() > opts.deadline) return { done: false, status: 'running', counts: run.counts };
      if (run.cursor.phase === 'companies') await companiesStep(ctx, run);
      else if (run.cursor.phase === 'profiles') await profilesStep(ctx, run);
      else await contactsStep(ctx, run);
    }
    await s.knex('sync_runs').where({ id: runId }).update({ status: 'succeeded', finished_at: s.knex.fn.now() });
    await s.knex('hubspot_connections').where({ id: conn.id }).update({ last_sync_at: s.knex.fn.now() });
    return { done: true, status: 'succeeded', counts: run.counts };
  } catch (err) {
    if (err instanceof KustiqError) {
      // A known state: stop and say so (a paused portal waits and is retried by the scheduler).
      const status = err.code === 'ERR_PORTAL_PAUSED' ? 'waiting' : 'failed';
      await s.knex('sync_runs').where({ id: runId }).update({ status, error_code: err.code, error_detail: err.message, counts: JSON.stringify(run.counts), ...(status === 'failed' ? { finished_at: s.knex.fn.now() } : {}) });
      return { done: status === 'failed', status, counts: run.counts };
    }
    throw err;
  }
}

/** Reads since the previous run start this much earlier: HubSpot's search index lags a little behind writes. */
export const SEARCH_INDEX_OVERLAP_MS = 60_000;

/**
 * A new run for the portal's connection. A nightly run is incremental from the last
 * successful run (its start, less the search-index overlap, is the watermark; the span of
 * its own writes is left out); with no successful run yet it is a full one.
 */
export async function createRun(knex: Knex, portalId: number, kind: 'first' | 'full' | 'nightly' = 'first', opts: { overlapMs?: number; plannedAt?: Date } = {}): Promise<string> {
  const conn = await knex('hubspot_connections').where({ portal_id: String(portalId) }).first();
  if (!conn) throw new Error(`no HubSpot connection for portal ${portalId}`);
  let cursor: SyncCursor = { phase: 'companies', after: '', seq: 0, ...(conn.sync_list_id ? { listId: conn.sync_list_id } : {}) };
  // A list-scoped portal reads its list whole each run (lists are small; membership has no modified-since).
  if (kind === 'nightly' && !conn.sync_list_id) {
    const prev = await knex('sync_runs').where({ connection_id: conn.id, status: 'succeeded' }).whereIn('kind', ['first', 'full', 'nightly']).orderBy('finished_at', 'desc').first();
    if (!prev) kind = 'full';
    else {
      const started = new Date(prev.started_at).getTime();
      cursor = {
        ...cursor, since: started - (opts.overlapMs ?? SEARCH_INDEX_OVERLAP_MS), profilesSince: started,
        exclude: prev.first_write_at ? [new Date(prev.first_write_at).getTime(), new Date(prev.last_write_at).getTime()] : null,
      };
    }
  }
  const [row] = await knex('sync_runs').insert({ connection_id: conn.id, kind, cursor: JSON.stringify(cursor), counts: JSON.stringify(emptyCounts()), ...(opts.plannedAt ? { created_at: opts.plannedAt } : {}) }).returning('id');
  return row.id;
}
