import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { percentile, startStack } from './stack';

/**
 * `kustiq bench card`: the card's status endpoint (signature verification included) with
 * 100 concurrent clients (kept-alive connections, one request at a time each), signing as
 * HubSpot does, in their own process (card-load.cjs), against a database holding 100,000
 * synced companies (90% enriched, 5% in review, 5% skipped). Goal: p99 ≤ 50 ms on this
 * 2-core machine. Reports p50/p99, requests per second, and what the figures depend on.
 */
const RECORDS = 100_000;
const FIRST_ID = 50_000_000;
const CONCURRENCY = 100;
const WARMUP = 5_000;
const MEASURED = 40_000;

export async function benchCard() {
  const stack = await startStack({ companies: 10 });
  const { db, emu, url } = stack;
  try {
    const conn = await db.knex('hubspot_connections').where({ portal_id: String(emu.portalId) }).first('id');
    const profileIds: string[] = await db.knex('profiles').limit(500).pluck('id');
    await db.knex.raw(
      `INSERT INTO company_matches (connection_id, company_id, company_name, company_domain, status, profile_id, confidence, method, candidates, write_status, written_hash, written_at)
       SELECT ?, (? + i)::text, 'Company ' || i, 'company' || i || '.example',
         CASE WHEN i % 20 = 0 THEN 'review' WHEN i % 20 = 1 THEN 'skipped' ELSE 'matched' END,
         CASE WHEN i % 20 > 1 THEN (?::text[])[1 + i % 500] END,
         CASE WHEN i % 20 = 0 THEN 70 WHEN i % 20 = 1 THEN 0 ELSE 95 END,
         CASE WHEN i % 20 = 1 THEN NULL WHEN i % 20 = 0 THEN 'name' ELSE 'domain' END,
         CASE WHEN i % 20 = 0 THEN json_build_array(json_build_object('profileId', (?::text[])[1 + i % 500], 'confidence', 70))::jsonb ELSE '[]'::jsonb END,
         CASE WHEN i % 20 > 1 THEN 'written' ELSE 'none' END, CASE WHEN i % 20 > 1 THEN 'h' || i END, CASE WHEN i % 20 > 1 THEN now() END
       FROM generate_series(1, ?) AS i`,
      [conn.id, FIRST_ID, profileIds, profileIds, RECORDS],
    );
    // As a database at rest has it: vacuumed and analysed (autovacuum would otherwise run during the measurement).
    await db.knex.raw('VACUUM ANALYZE company_matches');
    // One load process: WARMUP requests (connections, statements, JIT on both sides), then MEASURED.
    const cpu = process.cpuUsage(); // this process is the server: its CPU per request is steady where latency is not
    const { stdout } = await promisify(execFile)(process.execPath, [
      path.join(path.dirname(fileURLToPath(import.meta.url)), 'card-load.cjs'), url, emu.clientSecret, String(emu.portalId), String(FIRST_ID + 1), String(RECORDS),
      String(CONCURRENCY), String(WARMUP), String(MEASURED),
    ], { maxBuffer: 64 * 1024 * 1024 });
    const used = process.cpuUsage(cpu);
    const r = JSON.parse(stdout) as { latencies: number[]; wallMs: number; errors: number; stolenPercent: number | null; loadCpuMsPerRequest: number };
    const p99 = percentile(r.latencies, 0.99);
    return {
      name: 'card', records: RECORDS, concurrency: CONCURRENCY, requests: r.latencies.length, errors: r.errors,
      p50Ms: Math.round(percentile(r.latencies, 0.5) * 10) / 10, p99Ms: Math.round(p99 * 10) / 10, maxMs: Math.round(r.latencies.reduce((a, b) => Math.max(a, b), 0)),
      requestsPerSecond: Math.round(r.latencies.length / (r.wallMs / 1000)), goalP99Ms: 50,
      // This machine's CPU taken by other virtual machines during the measurement (Linux steal time):
      // latency on a shared host moves with it, so it is reported beside the figures.
      cpuStolenPercent: r.stolenPercent,
      serverCpuMsPerRequest: Math.round(((used.user + used.system) / 1000 / (WARMUP + MEASURED)) * 1000) / 1000,
      loadCpuMsPerRequest: Math.round(r.loadCpuMsPerRequest * 1000) / 1000,
      pass: r.errors === 0 && r.latencies.length === MEASURED && p99 <= 50,
    };
  } finally {
    await stack.stop();
  }
}
