import { ERROR_CODES, type ErrorCode } from '../errors/codes';

/**
 * What the CRM card shows for one record, from what Kustiq knows: the match and its state
 * (enriched, waiting for credits, in review, unmatched, skipped, rejected, not synced), the
 * problem's code with its troubleshooting link, the best candidate in review, the last
 * sync time, and a "Sync now" in flight. Pure: the row comes from status-reader.ts.
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

/** One record's row as status-reader.ts reads it (company columns are absent for contacts). */
export interface StatusRow {
  found: boolean;
  status?: string | null;
  confidence?: number | null;
  method?: string | null;
  best?: { profileId: string; confidence: number } | null;
  best_profile?: { name: string; domain: string | null } | null;
  written?: boolean;
  written_at: Date | string | null;
  write_error: string | null;
  sync: { id: string; status: string } | null;
}

export function problemOf(code: string | null, docsBase: string): CardProblem | null {
  if (!code) return null;
  const known = ERROR_CODES[code as ErrorCode];
  return known
    ? { code, title: known.title, action: known.action, docUrl: `${docsBase}#${known.anchor}` }
    : { code, title: 'HubSpot refused the write', action: 'See the Sync page for the batch and its reason.', docUrl: docsBase };
}

export function recordStatusView(row: StatusRow, objectType: 'companies' | 'contacts', objectId: string, docsBase: string): RecordStatusView {
  const sync = row.sync ? { id: row.sync.id, status: row.sync.status } : null;
  const lastSyncAt = row.written_at ? new Date(row.written_at).toISOString() : null;
  if (objectType === 'contacts') {
    const status: CardStatus = row.written_at ? 'enriched' : row.write_error ? 'failed' : 'not_synced';
    return { objectType, objectId, status, problem: problemOf(row.write_error ?? null, docsBase), match: null, lastSyncAt, sync };
  }
  if (!row.found) return { objectType, objectId, status: 'not_synced', problem: null, match: null, lastSyncAt: null, sync };
  const best = row.best ?? null;
  const match = {
    confidence: row.confidence ?? 0, method: row.method ?? null,
    bestCandidate: best && row.best_profile ? { profileId: best.profileId, name: row.best_profile.name, domain: row.best_profile.domain ?? null, confidence: best.confidence } : null,
  };
  let status: CardStatus;
  let code: string | null = null;
  if (row.status === 'matched') {
    if (row.write_error === 'ERR_QUOTA_FREE' && !row.written) { status = 'waiting'; code = 'ERR_QUOTA_FREE'; }
    else if (row.write_error && !row.written) { status = 'failed'; code = row.write_error; }
    else status = row.written ? 'enriched' : 'queued';
  } else if (row.status === 'skipped') { status = 'skipped'; code = 'ERR_DOMAIN_EMPTY'; }
  else { status = row.status as CardStatus; code = 'ERR_MATCH_LOW'; }
  return { objectType, objectId, status, problem: problemOf(code, docsBase), match, lastSyncAt, sync };
}
