import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../server/db/database';
import { graphSize, matchBatchInPostgres } from '../server/matching/pg-matcher';
import { importProfiles } from '../server/profiles/import-profiles';
import { generatedCompany } from '../server/samples/generated-companies';
import { sampleProfiles } from '../server/samples/profile-graph';

/**
 * 100,000 HubSpot companies against a 1,000,000-profile graph in Postgres (goal ≤ 60 s
 * of matching). The graph is imported first (timed apart: it is a one-off load), into a
 * throwaway embedded Postgres unless BENCH_DATABASE_URL names one.
 */
export async function benchMatchPostgres(opts: { profiles?: number; companies?: number } = {}) {
  const nProfiles = opts.profiles ?? 1_000_000;
  const nCompanies = opts.companies ?? 100_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kustiq-bench-pg-'));
  const db = await openDatabase({ dataDir: dir, DATABASE_URL: process.env.BENCH_DATABASE_URL });
  try {
    const file = path.join(dir, 'graph.jsonl');
    const out = fs.createWriteStream(file);
    for (const p of sampleProfiles(nProfiles)) if (!out.write(`${JSON.stringify(p)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
    await new Promise<void>((r) => out.end(() => r()));
    const t0 = performance.now();
    await importProfiles(db.knex, file, { batchSize: 2000 });
    const importMs = performance.now() - t0;
    // A realistic portal: most rows carry their domain (some messy), some a free-mail
    // domain or a domain the graph does not know, a few none.
    const companies = Array.from({ length: nCompanies }, (_, i) => {
      const g = generatedCompany((i * 7919) % (nProfiles - 600));
      const k = i % 20;
      const domain = k < 13 ? g.domain : k < 15 ? `https://www.${g.domain}/` : k < 17 ? `${g.domain.split('.')[0]}-group.net` : k < 18 ? `${g.domain.split('.')[0]}.eu` : k < 19 ? 'gmail.com' : '';
      // One row in twenty carries a name nobody has exactly ("… Europe"): the trigram path.
      return { id: String(i), name: k === 17 ? `${g.name} Europe` : g.name, domain };
    });
    const total = await graphSize(db.knex);
    const t1 = performance.now();
    const tally: Record<string, number> = {};
    for (let i = 0; i < companies.length; i += 1000) {
      for (const r of await matchBatchInPostgres(db.knex, companies.slice(i, i + 1000), total)) tally[r.status] = (tally[r.status] ?? 0) + 1;
    }
    const matchMs = performance.now() - t1;
    return { profiles: nProfiles, companies: nCompanies, importMs: Math.round(importMs), matchMs: Math.round(matchMs), goalMs: 60_000, statuses: tally, pass: matchMs <= 60_000 };
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
