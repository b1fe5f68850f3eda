// Load for `bench card`: CONCURRENCY clients, each signing its requests as HubSpot signs
// hubspot.fetch calls (v3), asking the card status of random synced companies, TOTAL in all.
// Prints {latencies: [ms...], wallMs, errors} as JSON.
const http = require('http');
const crypto = require('crypto');
const [url, secret, portalId, firstId, count, concurrency, total] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) });
const base = new URL(url);
const latencies = [];
let errors = 0;
let sent = 0;
function one() {
  const id = Number(firstId) + Math.floor(Math.random() * Number(count));
  const path = `/card/v1/record?objectType=companies&objectId=${id}&userId=9001&userEmail=rep%40portal.example&appId=1&portalId=${portalId}`;
  const ts = String(Date.now());
  const decoded = `${url}${path}`.replace('%40', '@');
  const sig = crypto.createHmac('sha256', secret).update(`GET${decoded}${ts}`, 'utf8').digest('base64');
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ host: base.hostname, port: base.port, path, agent, headers: { 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': ts } }, (res) => {
      res.resume();
      res.on('end', () => { latencies.push(performance.now() - t0); if (res.statusCode !== 200) errors++; resolve(); });
    });
    req.on('error', () => { errors++; resolve(); });
    req.end();
  });
}
(async () => {
  const start = performance.now();
  await Promise.all(Array.from({ length: Number(concurrency) }, async () => { while (sent < Number(total)) { sent++; await one(); } }));
  process.stdout.write(JSON.stringify({ latencies, wallMs: performance.now() - start, errors }));
})();
