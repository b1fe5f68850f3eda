import type { Wire } from './record-values';

/**
 * What a sync run is made of, shared by its stages: the cursor that is committed with each
 * step (where a lost worker resumes), the counts a run reports, and a record waiting to
 * be written.
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
  /** Companies whose values HubSpot already held (or, on the profile-change path, that did not change). */
  companiesUnchanged: number;
  /** Companies Kustiq had written whose values in HubSpot had been cleared or altered since: written again. */
  companiesRestored: number;
  contactsRead: number;
  contactsEligible: number;
  contactsWritten: number;
  contactsUnchanged: number;
  contactsRestored: number;
  failedRecords: number;
  optionsAdded: number;
  /** Credits this run spent (a record's first enrichment in the plan's period). */
  creditsSpent: number;
  /** Companies left unwritten because the plan's credits were spent (ERR_QUOTA_FREE); they go out when credits return. */
  waitingForCredits: number;
}

export const emptyCounts = (): SyncCounts => ({
  companiesRead: 0, matched: 0, review: 0, unmatched: 0, skipped: 0, companiesWritten: 0, companiesUnchanged: 0, companiesRestored: 0,
  contactsRead: 0, contactsEligible: 0, contactsWritten: 0, contactsUnchanged: 0, contactsRestored: 0, failedRecords: 0, optionsAdded: 0,
  creditsSpent: 0, waitingForCredits: 0,
});

/** A run-level notice, said once per run (e.g. the contacts phase skipped for a missing scope). */
export interface RunNotice { code: string; detail: string }

export interface RunRow { id: string; kind: string; connection_id: string; cursor: SyncCursor; counts: SyncCounts; status: string; notices?: RunNotice[] }

/** A record planned for writing, waiting in the carry until a batch of 100 is full. */
export interface Pending {
  id: string;
  /** The values to write, stamped with the sync time. */
  properties: Wire;
  hash: string;
  /** The cursor of the page it was read from (a lost worker re-reads from there). */
  pageAfter: string;
  companyId?: string;
  /** The profile behind it (a contact's: its company's), for the outbound event. */
  profileId?: string;
  /** It had waited for credits. */
  waited?: boolean;
  /** Kustiq had it written with these same values, but HubSpot's differed: a restore. */
  restore?: boolean;
}

/** The cursor at the start of the next phase (the incremental bounds carry over). */
export const nextPhase = (c: SyncCursor, phase: SyncCursor['phase']): SyncCursor => ({ ...c, phase, after: '', countedThrough: undefined });

/** Whether a page (by its last record id, HubSpot's numeric ids in ascending order) has not been counted yet; the cursor to commit with it. */
export function firstReading(cursor: SyncCursor, lastId: string): { first: boolean; countedThrough?: string } {
  if (!/^\d+$/.test(lastId)) return { first: true, countedThrough: cursor.countedThrough };
  if (cursor.countedThrough && BigInt(lastId) <= BigInt(cursor.countedThrough)) return { first: false, countedThrough: cursor.countedThrough };
  return { first: true, countedThrough: lastId };
}
