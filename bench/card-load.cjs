// Load for `bench card`: CONCURRENCY clients, each signing its requests as HubSpot signs
// hubspot.fetch calls (v3), asking the card status of random synced companies, TOTAL in all.
// undici's pool (kept-alive connections, one request at a time each) keeps the client's own
// CPU small: on two cores it shares the machine with the server and Postgres.
// Prints {latencies: [ms...], wallMs, errors} as JSON.
const crypto = require('crypto');
const { Pool } = require('undici');
const [url, secret, portalId, firstId, count, concurrency, total] = process.argv.slice(2);
const pool = new Pool(url, { connections: Number(concurrency), pipelining: 1 });
const latencies = [];
let errors = 0;
let sent = 0;
async function one() {
  const id = Number(firstId) + Math.floor(Math.random() * Number(count));
  const path = `/card/v1/record?objectType=companies&objectId=${id}&userId=9001&userEmail=rep%40portal.example&appId=1&portalId=${portalId}`;
  const ts = String(Date.now());
  const sig = crypto.createHmac('sha256', secret).update(`GET${url}${path.replace('%40', '@')}${ts}`, 'utf8').digest('base64');
  const t0 = performance.now();
  try {
    const res = await pool.request({ path, method: 'GET', headers: { 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': ts } });
    await res.body.dump();
    latencies.push(performance.now() - t0);
    if (res.statusCode !== 200) errors++;
  } catch {
    errors++;
  }
}
(async () => {
  const start = performance.now();
  await Promise.all(Array.from({ length: Number(concurrency) }, async () => { while (sent < Number(total)) { sent++; await one(); } }));
  process.stdout.write(JSON.stringify({ latencies, wallMs: performance.now() - start, errors }));
  await pool.close();
})();
