// Load for `bench card`: CONCURRENCY clients asking the card status of random synced
// companies, each request signed as HubSpot signs hubspot.fetch calls (v3): WARMUP requests
// first (connections opened, code compiled, on both sides), then TOTAL measured. Requests
// are signed before each phase starts (in production HubSpot signs on its own machines; the
// timestamps stay well inside the 5-minute window). undici's pool (kept-alive connections,
// one request at a time each) keeps the client's own CPU small: on two cores it shares the
// machine with the server and Postgres.
// Prints {latencies: [ms...], wallMs, errors, stolenPercent} for the measured requests as JSON.
const crypto = require('crypto');
const { Pool } = require('undici');
const [url, secret, portalId, firstId, count, concurrency, warmup, total] = process.argv.slice(2);
const pool = new Pool(url, { connections: Number(concurrency), pipelining: 1 });

function signed() {
  const id = Number(firstId) + Math.floor(Math.random() * Number(count));
  const path = `/card/v1/record?objectType=companies&objectId=${id}&userId=9001&userEmail=rep%40portal.example&appId=1&portalId=${portalId}`;
  const ts = String(Date.now());
  const sig = crypto.createHmac('sha256', secret).update(`GET${url}${path.replace('%40', '@')}${ts}`, 'utf8').digest('base64');
  return { path, method: 'GET', headers: { 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': ts } };
}

async function one(request, into) {
  const t0 = performance.now();
  try {
    const res = await pool.request(request);
    await res.body.dump();
    into.latencies.push(performance.now() - t0);
    if (res.statusCode !== 200) into.errors++;
  } catch {
    into.errors++;
  }
}

/** CPU time the hypervisor gave to other machines (Linux /proc/stat "steal"), in jiffies of all cores; null elsewhere. */
function cpuTimes() {
  try {
    const f = require('fs').readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { steal: f[7] ?? 0, all: f.slice(0, 8).reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

async function phase(n) {
  const requests = Array.from({ length: n }, signed);
  const into = { latencies: [], errors: 0 };
  let sent = 0;
  const before = cpuTimes();
  const start = performance.now();
  await Promise.all(Array.from({ length: Number(concurrency) }, async () => { while (sent < n) await one(requests[sent++], into); }));
  const wallMs = performance.now() - start;
  const after = cpuTimes();
  const stolenPercent = before && after ? Math.round(((after.steal - before.steal) / Math.max(1, after.all - before.all)) * 1000) / 10 : null;
  return { ...into, wallMs, stolenPercent };
}

(async () => {
  await phase(Number(warmup));
  process.stdout.write(JSON.stringify(await phase(Number(total))));
  await pool.close();
})();
