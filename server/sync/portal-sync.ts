import type { Knex } from 'knex';
import { enrichContact } from '../contacts/enrich-contact';
import { KustiqError } from '../errors/codes';
import { CONTACT_PROPERTIES } from '../schema/catalog';
import { HubSpotPort } from '../hubspot/port';
import type { RateBudget } from '../hubspot/rate-budget';
import { loadIcp } from '../icp/icp-store';
import type { InstallServices } from '../install/services';
import { normalizeDomain } from '../matching/domain';
import { storeMatches } from '../matching/match-portal';
import { recordSchemaStates } from '../install/schema-states';
import { ensureSchema } from '../schema/ensure-schema';
import { graphSize, matchBatchInPostgres } from '../matching/pg-matcher';
import { writeBatches, type WriterContext, type WriteResult } from './batch-writer';
import { checkpoint } from './checkpoint';
import { changedProfilesPage, companySource, contactSource, type SearchSource, type SourcePage } from './page-source';
import { contactCompany, instantOf, planCompany, planContact, type StoredMatch } from './plan';
import { PropertyGate } from './property-gate';
import { contactValues, stamped } from './record-values';
import { emptyCounts, firstReading, nextPhase, type Pending, type RunRow, type SyncCounts, type SyncCursor } from './run-model';
import type { Recorder } from './write-records';

export { BATCH, emptyCounts, PAGE, type SyncCounts, type SyncCursor } from './run-model';

/**
 * A portal's sync run (first, weekly full, nightly), as resumable steps. Each step is one
 * story: a page source reads a page of records with their kustiq_* values as HubSpot
 * holds them → the pure plan decides per record what to write (only what HubSpot does
 * not already hold) → the batch writer sends full batches of 100 (credits, intents,
 * refunds) → the checkpoint commits what was written, its events and the run's cursor in
 * one transaction, so a worker killed at any point loses nothing. Companies first, then
 * (nightly) the companies whose profile changed, then contacts (their company from
 * associatedcompanyid on the same read: no association calls).
 */
interface RunContext {
  s: InstallServices;
  port: HubSpotPort;
  gate: PropertyGate;
  writer: WriterContext;
  recorder: Recorder;
  graphTotal: number;
  icp: Awaited<ReturnType<typeof loadIcp>>;
  companies?: { read(after: string): Promise<SourcePage> };
  contacts?: SearchSource;
  matchedCompanies?: MatchedCompanies;
  /** Where the next page is read from (the committed cursor may lag behind while records wait in `carry`). */
  readAfter?: string;
  /**
   * Records planned but not yet written: batches go out full (100), so a page's remainder
   * waits for the next page. The committed cursor stays at the page the oldest waiting
   * record came from, so a lost worker re-reads it rather than losing it.
   */
  carry: Pending[];
  /** Companies this run (this slice) could not pay for. */
  refusedForCredits: Set<string>;
}

interface MatchedCompanies { ids: Set<string>; domains: Map<string, string>; domainOf: Map<string, string>; profileOf: Map<string, string> }

const afterCompanies = (c: SyncCursor): SyncCursor['phase'] => (c.profilesSince !== undefined ? 'profiles' : 'contacts');

/** The run's counts after a write: writes are always counted (reads only on a page's first reading). */
function addWrites(counts: SyncCounts, objectType: 'companies' | 'contacts', w: WriteResult): SyncCounts {
  const restored = w.written.filter((p) => p.restore).length;
  return {
    ...counts,
    ...(objectType === 'companies'
      ? { companiesWritten: counts.companiesWritten + w.written.length, companiesRestored: counts.companiesRestored + restored }
      : { contactsWritten: counts.contactsWritten + w.written.length, contactsRestored: counts.contactsRestored + restored }),
    failedRecords: counts.failedRecords + w.failedRecords,
    creditsSpent: counts.creditsSpent + w.creditsSpent,
    waitingForCredits: counts.waitingForCredits + w.waitingForCredits,
    optionsAdded: counts.optionsAdded + w.optionsAdded,
  };
}

/** Adds what a page's first reading counted (a page read again after a resume counts nothing). */
function addTally(counts: SyncCounts, tally: Partial<SyncCounts>): SyncCounts {
  const out = { ...counts };
  for (const [k, v] of Object.entries(tally) as [keyof SyncCounts, number][]) out[k] += v;
  return out;
}

/** A company that had waited for credits went out in an incremental run: its contacts waited too, so read them all. */
const withContactsAll = (run: RunRow, w: WriteResult, lostWrites: Pending[] = []): SyncCursor =>
  (run.cursor.since !== undefined && (w.waitedWent || lostWrites.some((l) => l.waited)) ? { ...run.cursor, contactsAll: true } : run.cursor);

async function companiesStep(ctx: RunContext, run: RunRow): Promise<void> {
  const { s } = ctx;
  const from = ctx.readAfter ?? run.cursor.after;
  const page = await (ctx.companies ??= companySource(ctx.port, run.cursor)).read(from);
  if (!page.records.length) {
    if (!page.last) { ctx.readAfter = page.next; return; } // a list page of members all deleted since: nothing here
    // Records vanished since the last page said there were more: write what waits, move on.
    return flushCarry(ctx, run, 'companies', afterCompanies(run.cursor));
  }
  const companies = page.records.map((c) => ({ id: c.id, name: c.properties.name ?? '', domain: c.properties.domain ?? '' }));
  await storeMatches(s.knex, run.connection_id, companies, await matchBatchInPostgres(s.knex, companies, ctx.graphTotal));
  // Counted once per record even if the page is read again after a resume (list pages are counted as read).
  const reading = run.cursor.listId ? { first: true, countedThrough: run.cursor.countedThrough } : firstReading(run.cursor, companies[companies.length - 1]!.id);
  // What is stored decides (a person's confirmation or rejection wins over the matcher).
  const stored: (StoredMatch & { company_id: string })[] = await s.knex('company_matches as m').leftJoin('profiles as p', 'p.id', 'm.profile_id')
    .where('m.connection_id', run.connection_id).whereIn('m.company_id', companies.map((c) => c.id))
    .select('m.company_id', 'm.status', 'm.profile_id', 'm.confidence', 'm.method', 'm.written_hash', 'm.write_error', 'p.values');
  // Writes a lost worker sent but never recorded: HubSpot carries their stamp.
  const current = new Map(page.records.map((r) => [r.id, r.properties]));
  const intents: { record_id: string; hash: string; stamp_ms: string }[] = await s.knex('sync_intents')
    .where({ connection_id: run.connection_id, object_type: 'companies' }).whereIn('record_id', companies.map((c) => c.id));
  const landed = new Map(intents.filter((i) => instantOf(current.get(i.record_id)?.kustiq_last_synced_at) === Number(i.stamp_ms)).map((i) => [i.record_id, i]));

  const now = new Date();
  const pageAfter = from;
  const tally = { matched: 0, review: 0, skipped: 0, unmatched: 0, companiesUnchanged: 0, companiesRead: companies.length };
  const recorded: Pending[] = [];
  const lostWrites: Pending[] = [];
  const stale: string[] = [];
  for (const m of stored) {
    if (m.status === 'matched') tally.matched++;
    else if (m.status === 'review') tally.review++;
    else if (m.status === 'skipped') tally.skipped++;
    else tally.unmatched++;
    const plan = planCompany(m, current.get(m.company_id) ?? {}, ctx.icp?.definition ?? null, (k) => ctx.gate.writable('companies', k));
    if (plan.action === 'none') continue;
    if (plan.action === 'unchanged') {
      tally.companiesUnchanged++;
      const lost = landed.get(m.company_id);
      if (lost) lostWrites.push({ id: m.company_id, properties: stamped(plan.values, new Date(Number(lost.stamp_ms))), hash: lost.hash, pageAfter, profileId: m.profile_id!, waited: m.write_error === 'ERR_QUOTA_FREE' });
      else if (plan.record) recorded.push({ id: m.company_id, properties: plan.values, hash: plan.hash, pageAfter });
      continue;
    }
    if (plan.stale) stale.push(m.company_id);
    ctx.carry.push({ id: m.company_id, properties: stamped(plan.values, now), hash: plan.hash, pageAfter, profileId: m.profile_id!, waited: m.write_error === 'ERR_QUOTA_FREE', restore: plan.restore });
  }
  const writes = await writeBatches(ctx.writer, ctx.carry, 'companies', page.last);
  for (const f of writes.failed) if (f.code === 'ERR_QUOTA_FREE') ctx.refusedForCredits.add(f.id);
  const counts = addWrites(reading.first ? addTally(run.counts, tally) : run.counts, 'companies', writes);
  ctx.readAfter = page.next;
  const base = withContactsAll(run, writes, lostWrites);
  const cursor: SyncCursor = page.last ? nextPhase(base, afterCompanies(base)) : { ...base, countedThrough: reading.countedThrough, after: ctx.carry[0]?.pageAfter ?? ctx.readAfter };
  if (page.last) ctx.readAfter = undefined;
  await checkpoint(s.knex, ctx.port, ctx.recorder, run, {
    cursor, counts, batches: writes.batches, landed: writes.landed,
    companies: { written: writes.written, failed: writes.failed, recorded, lostWrites, stale },
  });
}

/** Incremental runs: matched companies whose profile changed since the last run, or that waited for credits (no HubSpot reads: the written hash decides). */
async function profilesStep(ctx: RunContext, run: RunRow): Promise<void> {
  const from = ctx.readAfter ?? run.cursor.after;
  const { rows, last } = await changedProfilesPage(ctx.s.knex, run.connection_id, run.cursor.profilesSince ?? 0, from);
  const now = new Date();
  let unchanged = 0;
  for (const m of rows) {
    // Refused for credits by this run's companies phase a moment ago: counted once, not tried twice.
    if (ctx.refusedForCredits.has(m.company_id)) continue;
    const plan = planCompany(m, null, ctx.icp?.definition ?? null, (k) => ctx.gate.writable('companies', k));
    if (plan.action === 'unchanged') unchanged++;
    else if (plan.action === 'write') ctx.carry.push({ id: m.company_id, properties: stamped(plan.values, now), hash: plan.hash, pageAfter: from, profileId: m.profile_id, waited: m.write_error === 'ERR_QUOTA_FREE' });
  }
  const writes = await writeBatches(ctx.writer, ctx.carry, 'companies', last);
  const counts = addWrites({ ...run.counts, companiesUnchanged: run.counts.companiesUnchanged + unchanged }, 'companies', writes);
  ctx.readAfter = rows.length ? rows[rows.length - 1]!.company_id : ctx.readAfter;
  const base = withContactsAll(run, writes);
  const cursor: SyncCursor = last ? nextPhase(base, 'contacts') : { ...base, after: ctx.carry[0]?.pageAfter ?? ctx.readAfter ?? '' };
  if (last) ctx.readAfter = undefined;
  await checkpoint(ctx.s.knex, ctx.port, ctx.recorder, run, {
    cursor, counts, batches: writes.batches, landed: writes.landed,
    companies: { written: writes.written, failed: writes.failed, recorded: [], lostWrites: [], stale: [] },
  });
}

async function loadMatchedCompanies(knex: Knex, connectionId: string): Promise<MatchedCompanies> {
  // A company waiting for credits, never enriched, has its contacts wait with it.
  const rows: { company_id: string; company_domain: string | null; profile_id: string }[] = await knex('company_matches').where({ connection_id: connectionId, status: 'matched' })
    .andWhere((q) => q.whereNot('write_error', 'ERR_QUOTA_FREE').orWhereNull('write_error').orWhereNotNull('written_hash')).select('company_id', 'company_domain', 'profile_id');
  const out: MatchedCompanies = { ids: new Set(), domains: new Map(), domainOf: new Map(), profileOf: new Map() };
  for (const r of rows) {
    out.ids.add(r.company_id);
    out.profileOf.set(r.company_id, r.profile_id);
    const d = normalizeDomain(r.company_domain).domain;
    if (d) { out.domains.set(d, r.company_id); out.domainOf.set(r.company_id, d); }
  }
  return out;
}

async function contactsStep(ctx: RunContext, run: RunRow): Promise<void> {
  const { s } = ctx;
  const closed = ctx.gate.allClosed('contacts');
  if (closed) {
    // No contact property can be written (e.g. no contacts-schema scope): said once, not a 400 per batch.
    const detail = `contacts skipped: ${closed.detail ?? 'no kustiq_* contact property can be written'}`;
    s.log.warn({ portalId: ctx.port.portalId, code: closed.code }, detail);
    return void await checkpoint(s.knex, ctx.port, ctx.recorder, run, { cursor: nextPhase(run.cursor, 'done'), counts: run.counts, batches: [], notices: [{ code: closed.code ?? 'ERR_SCOPE_MISSING', detail }] });
  }
  const matched = (ctx.matchedCompanies ??= await loadMatchedCompanies(s.knex, run.connection_id));
  const from = ctx.readAfter ?? run.cursor.after;
  const page = await (ctx.contacts ??= contactSource(ctx.port, run.cursor)).read(from);
  if (!page.records.length) return flushCarry(ctx, run, 'contacts', 'done');
  const reading = firstReading(run.cursor, page.records[page.records.length - 1]!.id);
  await s.knex('contact_writes').where('connection_id', run.connection_id).whereIn('contact_id', page.records.map((c) => c.id)).update({ seen_at: s.knex.fn.now() });
  const previous = new Map<string, string | null>((await s.knex('contact_writes').where('connection_id', run.connection_id).whereIn('contact_id', page.records.map((c) => c.id)).select('contact_id', 'written_hash')).map((r) => [r.contact_id, r.written_hash]));
  const tally = { contactsRead: page.records.length, contactsEligible: 0, contactsUnchanged: 0 };
  const recordOnly: Pending[] = [];
  const stale: string[] = [];
  for (const c of page.records) {
    const p = c.properties;
    const email = p.email ?? '';
    const companyId = contactCompany(p.associatedcompanyid, normalizeDomain(email.slice(email.lastIndexOf('@') + 1)), matched);
    if (!companyId) {
      // No longer Kustiq's (its company is not matched now): recorded as written only while HubSpot still holds the values.
      if (previous.has(c.id) && CONTACT_PROPERTIES.every((prop) => !p[prop.name])) stale.push(c.id);
      continue;
    }
    tally.contactsEligible++;
    const values = contactValues(enrichContact({ email, firstname: p.firstname, lastname: p.lastname, jobtitle: p.jobtitle, companyDomain: matched.domainOf.get(companyId) ?? null }));
    const plan = planContact(values, p, previous.get(c.id), (k) => ctx.gate.writable('contacts', k));
    const pending: Pending = { id: c.id, properties: plan.action === 'none' ? values : plan.values, hash: plan.action === 'none' ? '' : plan.hash, companyId, profileId: matched.profileOf.get(companyId), pageAfter: from };
    if (plan.action === 'unchanged') {
      tally.contactsUnchanged++;
      // HubSpot has these values but Kustiq has no record of writing them (a lost worker): recorded now.
      if (plan.record) recordOnly.push(pending);
    } else if (plan.action === 'write') {
      if (plan.stale) stale.push(c.id);
      ctx.carry.push({ ...pending, restore: plan.restore });
    }
  }
  const writes = await writeBatches(ctx.writer, ctx.carry, 'contacts', page.last);
  const counts = addWrites(reading.first ? addTally(run.counts, tally) : run.counts, 'contacts', writes);
  ctx.readAfter = page.next;
  const cursor: SyncCursor = page.last ? nextPhase(run.cursor, 'done') : { ...run.cursor, countedThrough: reading.countedThrough, after: ctx.carry[0]?.pageAfter ?? ctx.readAfter };
  if (page.last) ctx.readAfter = undefined;
  await checkpoint(s.knex, ctx.port, ctx.recorder, run, { cursor, counts, batches: writes.batches, landed: writes.landed, contacts: { written: writes.written, recordOnly, stale } });
}

/** Writes everything waiting in the carry (a partial batch too) and commits with the cursor `moveTo` makes. */
async function flush(ctx: RunContext, run: RunRow, objectType: 'companies' | 'contacts', moveTo: (base: SyncCursor) => SyncCursor): Promise<void> {
  const writes = await writeBatches(ctx.writer, ctx.carry, objectType, true);
  await checkpoint(ctx.s.knex, ctx.port, ctx.recorder, run, {
    cursor: moveTo(withContactsAll(run, writes)), counts: addWrites(run.counts, objectType, writes), batches: writes.batches, landed: writes.landed,
    ...(objectType === 'companies'
      ? { companies: { written: writes.written, failed: writes.failed, recorded: [], lostWrites: [], stale: [] } }
      : { contacts: { written: writes.written, recordOnly: [], stale: [] } }),
  });
}

/** The phase's records ran out: what waits goes out, and the run moves to `phase`. */
async function flushCarry(ctx: RunContext, run: RunRow, objectType: 'companies' | 'contacts', phase: SyncCursor['phase']): Promise<void> {
  ctx.readAfter = undefined;
  await flush(ctx, run, objectType, (base) => nextPhase(base, phase));
}

/**
 * A slice ends with records still waiting for a full batch and a cursor that has not moved
 * since the slice began: they go out now (a partial batch), and the cursor moves past the
 * pages they came from. Otherwise a run with fewer than 100 records to write per slice would
 * re-read the same pages every slice and never finish. A slice that moved the cursor keeps
 * its carry's batches full; the next one re-reads from the oldest waiting page, once.
 */
async function flushForSlice(ctx: RunContext, run: RunRow): Promise<void> {
  if (!ctx.carry.length) return;
  const after = ctx.readAfter ?? run.cursor.after;
  await flush(ctx, run, run.cursor.phase === 'contacts' ? 'contacts' : 'companies', (base) => ({ ...base, after }));
}

/**
 * A run that read every record (first or full, not a list, not incremental) forgets the
 * records it did not see: HubSpot no longer has them (deleted, merged away), so Kustiq's
 * cache must not count them as matched or enriched. Contacts only when the contacts phase read.
 */
async function forgetUnseen(knex: Knex, run: RunRow, gate: PropertyGate): Promise<void> {
  if (run.cursor.since !== undefined || run.cursor.listId) return;
  const started = (await knex('sync_runs').where({ id: run.id }).first('started_at')).started_at as Date;
  await knex('company_matches').where({ connection_id: run.connection_id }).andWhere((q) => q.whereNull('seen_at').orWhere('seen_at', '<', started)).delete();
  if (!gate.allClosed('contacts')) {
    await knex('contact_writes').where({ connection_id: run.connection_id }).andWhere((q) => q.whereNull('seen_at').orWhere('seen_at', '<', started)).delete();
  }
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
  const port = HubSpotPort.forPortal(s, Number(conn.portal_id), opts.budget);
  let gate = await PropertyGate.load(s.knex, run.connection_id);
  const fresh = run.cursor.phase === 'companies' && !run.cursor.after && run.cursor.seq === 0;
  if (conn.status === 'connected' && fresh && (gate.hasClosed() || run.kind === 'full')) {
    // Properties left out last time (read-only, missing, another type) are looked at again
    // before a run starts, and every weekly full run checks the schema: a fixed one is
    // written again, a deleted one is recreated. Reads only when nothing changed.
    await recordSchemaStates(s.knex, run.connection_id, await ensureSchema(port, conn.scopes));
    gate = await PropertyGate.load(s.knex, run.connection_id);
  }
  const icp = await loadIcp(s.knex, conn.workspace_id);
  const credits = { workspaceId: conn.workspace_id, metered: s.config.KUSTIQ_CREDITS === 'metered', runId };
  const ctx: RunContext = {
    s, port, gate, icp, carry: [], refusedForCredits: new Set(), graphTotal: await graphSize(s.knex),
    writer: { knex: s.knex, port, gate, connectionId: run.connection_id, credits },
    recorder: { connectionId: run.connection_id, workspaceId: conn.workspace_id, portalId: port.portalId, boss: s.boss, withFit: !!icp },
  };
  try {
    if (conn.status !== 'connected') throw new KustiqError('ERR_OAUTH_REVOKED', `HubSpot portal ${conn.portal_id} is disconnected`);
    const start = { phase: run.cursor.phase, after: run.cursor.after };
    while (run.cursor.phase !== 'done') {
      if (opts.deadline && Date.now() > opts.deadline) {
        // Only when the committed cursor did not move this slice: the next would re-read the same pages.
        if (run.cursor.phase === start.phase && run.cursor.after === start.after) await flushForSlice(ctx, run);
        return { done: false, status: 'running', counts: run.counts };
      }
      if (run.cursor.phase === 'companies') await companiesStep(ctx, run);
      else if (run.cursor.phase === 'profiles') await profilesStep(ctx, run);
      else await contactsStep(ctx, run);
    }
    await forgetUnseen(s.knex, run, ctx.gate);
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
