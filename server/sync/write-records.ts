import type { Knex } from 'knex';
import type PgBoss from 'pg-boss';
import { enqueueEvents } from '../webhooks/outbox';
import type { Pending } from './run-model';

/**
 * What Kustiq keeps of its writes to HubSpot, always inside the transaction that commits
 * them (a sync step's checkpoint, or Sync now): each record's written hash and state, its
 * outbound event (the outbox), and for companies the fit values written. Kustiq's tables
 * are a cache of HubSpot: only what HubSpot took is recorded as written.
 */
export interface Recorder { connectionId: string; workspaceId: string; portalId: number; boss: PgBoss | undefined; withFit: boolean }

/** Companies HubSpot took: their hash, state and fit values in one statement, and their events. */
export async function recordCompanyWrites(trx: Knex.Transaction, r: Recorder, written: Pending[], now: Date, opts: { events?: boolean } = {}): Promise<void> {
  if (!written.length) return;
  await trx('sync_intents').where({ connection_id: r.connectionId, object_type: 'companies' }).whereIn('record_id', written.map((w) => w.id)).delete();
  const rows = written.map((w) => ({
    id: w.id, hash: w.hash, at: Number(w.properties.kustiq_last_synced_at) || now.getTime(),
    fit: r.withFit ? Object.fromEntries(Object.entries(w.properties).filter(([k]) => k.startsWith('kustiq_score_') || k.startsWith('kustiq_icp_'))) : null,
  }));
  // One statement: a page's worth of single-row updates would hold the pipeline up.
  await trx.raw(
    `UPDATE company_matches m SET written_hash = x.hash, written_at = to_timestamp(x.at / 1000.0), write_status = 'written', write_error = NULL,
       fit_values = coalesce(x.fit, m.fit_values), fit_written_at = CASE WHEN x.fit IS NULL THEN m.fit_written_at ELSE to_timestamp(x.at / 1000.0) END
     FROM jsonb_to_recordset(?::jsonb) AS x(id text, hash text, at double precision, fit jsonb)
     WHERE m.connection_id = ? AND m.company_id = x.id`,
    [JSON.stringify(rows), r.connectionId],
  );
  if (opts.events === false) return;
  await enqueueEvents(trx, r.boss, {
    workspaceId: r.workspaceId, portalId: r.portalId, type: 'company.enriched', objectType: 'companies',
    records: written.map((w) => ({ objectId: w.id, profileId: w.profileId ?? w.properties.kustiq_profile_id ?? null, properties: w.properties })),
  });
}

/** Companies not written, by code (waiting for credits, refused by HubSpot). */
export async function recordCompanyFailures(trx: Knex.Transaction, connectionId: string, failed: { id: string; code: string }[]): Promise<void> {
  const byCode = new Map<string, string[]>();
  for (const f of failed) byCode.set(f.code, [...(byCode.get(f.code) ?? []), f.id]);
  for (const [code, ids] of byCode) await trx('company_matches').where({ connection_id: connectionId }).whereIn('company_id', ids).update({ write_error: code });
}

/** Companies Kustiq had recorded written whose values HubSpot no longer holds: not enriched until written again. */
export async function recordCompaniesStale(trx: Knex.Transaction, connectionId: string, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await trx('company_matches').where({ connection_id: connectionId }).whereIn('company_id', ids).update({ write_status: 'queued', written_hash: null });
}

/** Contacts HubSpot took (or, after a lost worker, holds without Kustiq's record of it): their hash and their events. */
export async function recordContactWrites(trx: Knex.Transaction, r: Recorder, written: Pending[], now: Date): Promise<void> {
  if (!written.length) return;
  await trx('contact_writes').insert(written.map((w) => ({ connection_id: r.connectionId, contact_id: w.id, company_id: w.companyId ?? null, written_hash: w.hash, written_at: now, write_error: null, seen_at: now })))
    .onConflict(['connection_id', 'contact_id']).merge();
  await enqueueEvents(trx, r.boss, {
    workspaceId: r.workspaceId, portalId: r.portalId, type: 'contact.enriched', objectType: 'contacts',
    records: written.map((w) => ({ objectId: w.id, profileId: w.profileId ?? null, properties: w.properties })),
  });
}

/** Contacts Kustiq had recorded written whose values HubSpot no longer holds. */
export async function recordContactsStale(trx: Knex.Transaction, connectionId: string, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await trx('contact_writes').where({ connection_id: connectionId }).whereIn('contact_id', ids).update({ written_at: null, written_hash: null });
}
