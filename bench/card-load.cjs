// Load for `bench card`: CONCURRENCY clients, each signing its requests as HubSpot signs
// hubspot.fetch calls (v3), asking the card status of random synced companies: WARMUP
// requests first (connections opened, code compiled, on both sides), then TOTAL measured.
// undici's pool (kept-alive connections, one request at a time each) keeps the client's own
// CPU small: on two cores it shares the machine with the server and Postgres.
// Prints {latencies: [ms...], starts: [ms...], wallMs, errors} for the measured requests as JSON.
const crypto = require('crypto');
const { Pool } = require('undici');
const [url, secret, portalId, firstId, count, concurrency, warmup, total] = process.argv.slice(2);
const pool = new Pool(url, { connections: Number(concurrency), pipelining: 1 });

async function one(into) {
  const id = Number(firstId) + Math.floor(Math.random() * Number(count));
  const path = `/card/v1/record?objectType=companies&objectId=${id}&userId=9001&userEmail=rep%40portal.example&appId=1&portalId=${portalId}`;
  const ts = String(Date.now());
  const sig = crypto.createHmac('sha256', secret).update(`GET${url}${path.replace('%40', '@')}${ts}`, 'utf8').digest('base64');
  const t0 = performance.now();
  try {
    const res = await pool.request({ path, method: 'GET', headers: { 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': ts } });
    await res.body.dump();
    into.latencies.push(performance.now() - t0);
    into.starts.push(t0);
    if (res.statusCode !== 200) into.errors++;
  } catch {
    into.errors++;
  }
}

async function phase(n) {
  const into = { latencies: [], starts: [], errors: 0 };
  let sent = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: Number(concurrency) }, async () => { while (sent < n) { sent++; await one(into); } }));
  return { ...into, wallMs: performance.now() - start };
}

(async () => {
  await phase(Number(warmup));
  process.stdout.write(JSON.stringify(await phase(Number(total))));
  await pool.close();
})();
