import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../server/db/database';
import { importProfiles } from '../server/profiles/import-profiles';
import { sampleProfiles } from '../server/samples/profile-graph';
const dir = '/tmp/pgexp';
const db = await openDatabase({ dataDir: dir, DATABASE_URL: undefined });
const file = path.join(dir, 'graph.jsonl');
if (!fs.existsSync(file)) {
  const out = fs.createWriteStream(file);
  for (const p of sampleProfiles(1_000_000)) if (!out.write(`${JSON.stringify(p)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((r) => out.end(() => r()));
}
const t0 = performance.now();
await importProfiles(db.knex, file, { batchSize: 2000 });
await db.knex.raw('ANALYZE profiles; ANALYZE profile_names; ANALYZE profile_token_df; ANALYZE profile_name_tokens');
console.log('import ms', performance.now() - t0);
await db.close();
