import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { importProfiles } from '../../server/profiles/import-profiles';
import { sampleProfiles, type ProfileRecord } from '../../server/samples/profile-graph';

/** Imports the first `count` sample profiles (Fortune 500, then generated) through the real import; returns them. */
export async function loadSampleGraph(knex: Knex, count: number): Promise<ProfileRecord[]> {
  const graph = [...sampleProfiles(count)];
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kustiq-graph-')), 'graph.jsonl');
  fs.writeFileSync(file, graph.map((p) => JSON.stringify(p)).join('\n'));
  await importProfiles(knex, file, { batchSize: 2000 });
  return graph;
}
