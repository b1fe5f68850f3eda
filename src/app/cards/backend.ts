import { hubspot } from '@hubspot/ui-extensions';
import { BackendError, readAnswer } from './proxy-answer';

/**
 * The card's calls to the Kustiq backend, through hubspot.fetch (HubSpot signs each
 * request and appends the portal and user; `src/app/local.json` maps this origin to a
 * local backend under `hs project dev`).
 */
export const BACKEND = 'https://app.kustiq.com';

export type RecordType = 'companies' | 'contacts';

export interface CardProblem { code: string; title: string; action: string; docUrl: string }

export interface RecordStatus {
  status: 'enriched' | 'queued' | 'waiting' | 'failed' | 'review' | 'unmatched' | 'skipped' | 'rejected' | 'not_synced';
  problem: CardProblem | null;
  match: { confidence: number; method: string | null; bestCandidate: { profileId: string; name: string; domain: string | null; confidence: number } | null } | null;
  lastSyncAt: string | null;
  sync: { id: string; status: string } | null;
}

export interface RecordSync { id: string; status: 'queued' | 'running' | 'succeeded' | 'failed'; outcome: 'written' | 'skipped' | null; code: string | null; detail: string | null }

export { BackendError, readAnswer, type Answer } from './proxy-answer';

async function call<T>(path: string, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  let res: Response;
  try {
    res = await hubspot.fetch(`${BACKEND}${path}`, { method, timeout: 10_000, ...(method === 'POST' ? { body: {} } : {}) });
  } catch {
    throw new BackendError('Kustiq could not be reached');
  }
  const answer = readAnswer<T>(res.status, await res.json().catch(() => ({})));
  if (!answer.ok) throw answer.error;
  return answer.body;
}

const q = (objectType: RecordType, objectId: number | string) => `objectType=${objectType}&objectId=${encodeURIComponent(String(objectId))}`;

export const fetchStatus = (objectType: RecordType, objectId: number | string) => call<RecordStatus>(`/card/v1/record?${q(objectType, objectId)}`);
export const startSync = async (objectType: RecordType, objectId: number | string) => (await call<{ sync: RecordSync }>(`/card/v1/record/sync?${q(objectType, objectId)}`, 'POST')).sync;
export const syncState = async (id: string) => (await call<{ sync: RecordSync }>(`/card/v1/record-syncs/${encodeURIComponent(id)}`)).sync;
