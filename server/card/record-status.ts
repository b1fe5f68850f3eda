import type { Knex } from 'knex';
import { ERROR_CODES, type ErrorCode } from '../errors/codes';

/**
 * What the CRM card shows for one record, from what Kustiq knows: the match and its state
 * (enriched, waiting for credits, in review, unmatched, skipped, rejected, not synced), the
 * problem's code with its troubleshooting link, the best candidate in review, the last
 * sync time, and a "Sync now" in flight. A primary-key read per table.
 */
export type CardStatus = 'enriched' | 'queued' | 'waiting' | 'failed' | 'review' | 'unmatched' | 'skipped' | 'rejected' | 'not_synced';

export interface CardProblem { code: string; title: string; action: string; docUrl: string }

export interface RecordStatusView {
  objectType: 'companies' | 'contacts';
  objectId: string;
  status: CardStatus;
  problem: CardProblem | null;
  match: { confidence: number; method: string | null; bestCandidate: { profileId: string; name: string; domain: string | null; confidence: number } | null } | null;
  lastSyncAt: string | null;
  sync: { id: string; status: string } | null;
}

export function problemOf(code: string | null, docsBase: string): CardProblem | null {
  if (!code) return null;
  const known = ERROR_CODES[code as ErrorCode];
  return known
    ? { code, title: known.title, action: known.action, docUrl: `${docsBase}#${known.anchor}` }
    : { code, title: 'HubSpot refused the write', action: 'See the Sync page for the batch and its reason.', docUrl: docsBase };
}

export async function recordStatus(knex: Knex, connectionId: string, objectType: 'companies' | 'contacts', objectId: string, docsBase: string): Promise<RecordStatusView> {
  const inFlight = await knex('record_syncs').where({ connection_id: connectionId, object_type: objectType, record_id: objectId }).whereIn('status', ['queued', 'running'])
    .orderBy('created_at', 'desc').first('id', 'status');
  const sync = inFlight ? { id: inFlight.id as string, status: inFlight.status as string } : null;
  if (objectType === 'contacts') {
    const w = await knex('contact_writes').where({ connection_id: connectionId, contact_id: objectId }).first('written_at', 'write_error');
    const status: CardStatus = w?.written_at ? 'enriched' : w?.write_error ? 'failed' : 'not_synced';
    return { objectType, objectId, status, problem: problemOf(w?.write_error ?? null, docsBase), match: null, lastSyncAt: w?.written_at ? new Date(w.written_at).toISOString() : null, sync };
  }
  const m = await knex('company_matches').where({ connection_id: connectionId, company_id: objectId })
    .first('status', 'confidence', 'method', 'candidates', 'written_at', 'write_error', 'written_hash');
  if (!m) return { objectType, objectId, status: 'not_synced', problem: null, match: null, lastSyncAt: null, sync };
  const best = ((m.candidates ?? []) as { profileId: string; confidence: number }[])[0];
  const profile = best && m.status !== 'matched' ? await knex('profiles').where({ id: best.profileId }).first('name', 'domain') : null;
  const match = {
    confidence: m.confidence as number, method: (m.method as string) ?? null,
    bestCandidate: best && profile ? { profileId: best.profileId, name: profile.name as string, domain: (profile.domain as string) ?? null, confidence: best.confidence } : null,
  };
  const lastSyncAt = m.written_at ? new Date(m.written_at).toISOString() : null;
  let status: CardStatus;
  let code: string | null = null;
  if (m.status === 'matched') {
    if (m.write_error === 'ERR_QUOTA_FREE' && !m.written_hash) { status = 'waiting'; code = 'ERR_QUOTA_FREE'; }
    else if (m.write_error && !m.written_hash) { status = 'failed'; code = m.write_error; }
    else status = m.written_hash ? 'enriched' : 'queued';
  } else if (m.status === 'skipped') { status = 'skipped'; code = 'ERR_DOMAIN_EMPTY'; }
  else { status = m.status as CardStatus; code = 'ERR_MATCH_LOW'; }
  return { objectType, objectId, status, problem: problemOf(code, docsBase), match, lastSyncAt, sync };
}
