import { Agent, request } from 'undici';
import { EmulatorAdmin, oauthConnect } from '../emulator/client';
import { spawnEmulator } from './spawn-emulator';

/**
 * `kustiq bench emulator`: the emulator must never be the bottleneck of later benches.
 * Goals (issue 2): ≥ 500 batch-update requests/s of 100 records each with rate limits
 * off, and 100,000 companies + 300,000 contacts held in < 2 GB. The emulator runs in its
 * own process, as in every other bench, so the load generator does not share its heap.
 */
export interface EmulatorBenchResult {
  name: 'emulator';
  batchUpdate: { requests: number; seconds: number; requestsPerSecond: number; recordsPerSecond: number; errors: number; concurrency: number; goal: number; pass: boolean };
  memory: { companies: number; contacts: number; rssMb: number; heapUsedMb: number; seedSeconds: number; goalMb: number; pass: boolean };
  pass: boolean;
}

export async function benchEmulator(opts: { seconds?: number; concurrency?: number; companies?: number; contacts?: number } = {}): Promise<EmulatorBenchResult> {
  const seconds = opts.seconds ?? 5;
  const concurrency = opts.concurrency ?? 16;
  // Throughput: a portal of 10,000 companies, updates of 100 records with 8 kustiq-like values each.
  // A larger young generation suits the emulator's allocate-and-drop request handling.
  const emu = await spawnEmulator(['--companies', '10000', '--no-rate-limit'], {}, ['--max-semi-space-size=64']);
  let batchUpdate: EmulatorBenchResult['batchUpdate'];
  try {
    const token = await oauthConnect(emu.url, emu);
    const admin = new EmulatorAdmin(emu.url);
    const ids = (await admin.call<{ results: { id: string }[] }>('GET', `/portals/${emu.portalId}/objects/companies?limit=10000`)).results.map((r) => r.id);
    const bodies: string[] = [];
    for (let b = 0; b < 100; b++) {
      const inputs = ids.slice(b * 100, b * 100 + 100).map((id, i) => ({
        id,
        properties: { city: `City ${b}-${i}`, numberofemployees: String(100 + i), website: `https://example${i}.com`, phone: `+1 555 0${i}`, state: 'CA', country: 'United States', annualrevenue: String(1e6 * i), name: `Company ${b}-${i}` },
      }));
      bodies.push(JSON.stringify({ inputs }));
    }
    const agent = new Agent({ connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
    const url = `${emu.url}/crm/v3/objects/companies/batch/update`;
    const headers = { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' };
    // Warm up the JIT before measuring.
    for (let i = 0; i < 50; i++) await (await request(url, { method: 'POST', body: bodies[i % 100], headers, dispatcher: agent })).body.dump();
    let done = 0;
    let errors = 0;
    const started = performance.now();
    const until = started + seconds * 1000;
    await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
      let i = w;
      while (performance.now() < until) {
        const res = await request(url, { method: 'POST', body: bodies[i++ % 100], headers, dispatcher: agent });
        await res.body.dump();
        if (res.statusCode === 200) done++;
        else errors++;
      }
    }));
    const elapsed = (performance.now() - started) / 1000;
    await agent.close();
    const rps = done / elapsed;
    batchUpdate = { requests: done, seconds: Math.round(elapsed * 100) / 100, requestsPerSecond: Math.round(rps), recordsPerSecond: Math.round(rps * 100), errors, concurrency, goal: 500, pass: rps >= 500 && errors === 0 };
  } finally {
    await emu.stop();
  }

  // Memory: the largest portal the benches use.
  const companies = opts.companies ?? 100_000;
  const contacts = opts.contacts ?? 300_000;
  const t0 = performance.now();
  const big = await spawnEmulator(['--companies', String(companies), '--contacts', String(contacts)]);
  let memory: EmulatorBenchResult['memory'];
  try {
    const seedSeconds = (performance.now() - t0) / 1000;
    const admin = new EmulatorAdmin(big.url);
    // Let the seeding garbage go before reading the resident size.
    await new Promise((r) => setTimeout(r, 1000));
    const mem = await admin.call<{ rss: number; heapUsed: number }>('GET', '/process');
    const rssMb = Math.round(mem.rss / 1048576);
    memory = { companies, contacts, rssMb, heapUsedMb: Math.round(mem.heapUsed / 1048576), seedSeconds: Math.round(seedSeconds * 10) / 10, goalMb: 2048, pass: rssMb < 2048 };
  } finally {
    await big.stop();
  }
  return { name: 'emulator', batchUpdate, memory, pass: batchUpdate.pass && memory.pass };
}
