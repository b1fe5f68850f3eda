import fs from 'node:fs';
import type { Knex } from 'knex';
import { normalizeName } from '../matching/name';
import { checkProfiles } from './load-profiles';
import { parseProfileRow, type Profile } from './profile-row';
import { readRecords } from './read-records';

/**
 * `profiles import`: streams a CSV or JSONL file into the profile graph in bounded
 * memory, upserting by id in batches. By default a file with any bad row changes
 * nothing and every problem is listed (`file:line: field: problem`): a first pass
 * validates, a second imports in one transaction. With `rejectsFile`, good rows are
 * imported and bad ones written there as JSONL with their problems. Text is decoded
 * strictly: a field that is not UTF-8, a NUL character or a record over 64 KB
 * (MAX_RECORD_BYTES) is a bad row like any other, named by line and field.
 */
export interface ImportOptions {
  rejectsFile?: string;
  batchSize?: number;
  onProgress?: (rows: number) => void;
}

export interface ImportTally {
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

async function upsert(db: Knex | Knex.Transaction, batch: Profile[], tally: ImportTally): Promise<void> {
  const rows = batch.map((p) => ({
    id: p.id, name: p.name, domain: p.domain, aliases: p.aliases, name_key: normalizeName(p.name).key,
    values: JSON.stringify(p.values), sample: p.sample,
  }));
  // values_changed_at moves only when something a sync would write differs.
  const { rows: out } = await db.raw(
    `INSERT INTO profiles (id, name, domain, aliases, name_key, "values", sample)
     SELECT * FROM jsonb_to_recordset(?::jsonb) AS x(id text, name text, domain text, aliases text[], name_key text, "values" jsonb, sample boolean)
     ON CONFLICT (id) DO UPDATE SET
       name = excluded.name, domain = excluded.domain, aliases = excluded.aliases, name_key = excluded.name_key,
       "values" = excluded."values", sample = excluded.sample, updated_at = now(),
       values_changed_at = CASE WHEN (profiles.name, profiles.domain, profiles.aliases, profiles."values")
         IS DISTINCT FROM (excluded.name, excluded.domain, excluded.aliases, excluded."values") THEN now() ELSE profiles.values_changed_at END
     RETURNING (xmax = 0) AS inserted, values_changed_at = now() AS changed`,
    [JSON.stringify(rows.map((r) => ({ ...r, values: JSON.parse(r.values) })))],
  );
  // The names a profile goes by, for the trigram candidate search.
  const ids = batch.map((p) => p.id);
  await db('profile_names').whereIn('profile_id', ids).delete();
  const names = batch.flatMap((p) => [...new Set([p.name, ...p.aliases].map((n) => normalizeName(n).key).filter(Boolean))].map((key) => ({ profile_id: p.id, key })));
  if (names.length) await db('profile_names').insert(names);
  await db('profile_name_tokens').whereIn('profile_id', ids).delete();
  const tokens = batch.flatMap((p) => [...new Set([p.name, ...p.aliases].flatMap((n) => normalizeName(n).tokens))].map((token) => ({ token, profile_id: p.id })));
  if (tokens.length) await db('profile_name_tokens').insert(tokens);
  for (const r of out as { inserted: boolean; changed: boolean }[]) {
    if (r.inserted) tally.inserted++;
    else if (r.changed) tally.updated++;
    else tally.unchanged++;
  }
}

/** Recomputes token document frequencies over every profile name (the matcher's IDF). */
export async function rebuildTokenStats(db: Knex | Knex.Transaction): Promise<void> {
  await db.raw('DELETE FROM profile_token_df');
  await db.raw(`INSERT INTO profile_token_df (token, df) SELECT token, count(*) FROM profile_name_tokens GROUP BY token`);
}

export async function importProfiles(knex: Knex, file: string, opts: ImportOptions = {}): Promise<ImportTally> {
  const batchSize = opts.batchSize ?? 1000;
  const tally: ImportTally = { rows: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0 };
  const strict = !opts.rejectsFile;
  // First pass: validate the whole file without keeping its rows.
  if (strict) await checkProfiles(file);
  const rejects = opts.rejectsFile ? fs.createWriteStream(opts.rejectsFile) : null;
  const run = async (db: Knex | Knex.Transaction) => {
    let batch: Profile[] = [];
    const ids = new Set<string>();
    for await (const { line, record, problems: unreadable } of readRecords(file, { rowProblems: true })) {
      tally.rows++;
      // Not valid UTF-8, a NUL, too large: rejected like any bad row, never sent to Postgres.
      const { profile, problems } = unreadable?.length ? { profile: null, problems: unreadable } : parseProfileRow(record);
      if (!profile || ids.has(profile.id)) {
        tally.rejected++;
        rejects?.write(`${JSON.stringify({ file, line, problems: profile ? [{ field: 'id', problem: 'duplicate id in file' }] : problems, record })}\n`);
        continue;
      }
      // Keep memory bounded: remember ids only for duplicate detection within the file.
      ids.add(profile.id);
      batch.push(profile);
      if (batch.length >= batchSize) {
        await upsert(db, batch, tally);
        batch = [];
        opts.onProgress?.(tally.rows);
      }
    }
    if (batch.length) await upsert(db, batch, tally);
    await rebuildTokenStats(db);
    // Fresh statistics, so the matcher's plans fit the graph just loaded (autovacuum may be minutes away).
    await db.raw('ANALYZE profiles, profile_names, profile_name_tokens, profile_token_df');
    opts.onProgress?.(tally.rows);
  };
  try {
    if (strict) await knex.transaction(run);
    else await run(knex);
  } finally {
    if (rejects) await new Promise<void>((r) => rejects.end(() => r()));
  }
  return tally;
}
