// The bench's receiver: answers 200 at once, verifies the signature (as a customer would),
// and notes when each event id arrived. GET /log returns [id, receivedAtMs, ok] rows.
const http = require('http');
const crypto = require('crypto');
const SECRET = process.env.KUSTIQ_WEBHOOK_SECRET;
const log = [];
const server = http.createServer((req, res) => {
  if (req.method === 'GET') { res.setHeader('content-type', 'application/json'); return res.end(JSON.stringify(log)); }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const sig = req.headers['x-kustiq-signature'] || '';
    const mac = crypto.createHmac('sha256', SECRET).update(body).digest('hex');
    const ok = sig.length === 64 && crypto.timingSafeEqual(Buffer.from(mac, 'hex'), Buffer.from(sig, 'hex'));
    log.push([JSON.parse(body).id, Date.now(), ok]);
    res.statusCode = ok ? 200 : 401;
    res.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
