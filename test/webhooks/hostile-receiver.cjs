// Webhook receivers in their own process (so their writing never shares the sender's event loop):
//   POST /huge   answers 200 with a 256 KB body at full speed
//   POST /drip   answers 200 headers at once, then one byte a second, never finishing
//   POST /hang   reads the request and never answers
//   POST /ok     answers 204 at once and logs the event's id and when it arrived
//   GET /stats   {open: sockets open now, opened: sockets ever, arrivals: [[id, ms since epoch]]}
// PORT: where to listen (0: any); prints "listening PORT".
const http = require('node:http');

let open = 0;
let opened = 0;
const arrivals = [];
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const path = req.url.split('?')[0];
    if (req.method === 'GET' && path === '/stats') return void res.end(JSON.stringify({ open, opened, arrivals }));
    if (path === '/huge') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 256 * 1024 });
      return void res.end(Buffer.alloc(256 * 1024, 'x'));
    }
    if (path === '/drip') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 100_000 });
      const t = setInterval(() => res.write('x'), 1000);
      res.on('close', () => clearInterval(t));
      return;
    }
    if (path === '/hang') return;
    let id = null;
    try { id = JSON.parse(Buffer.concat(chunks).toString('utf8')).id; } catch { /* not JSON */ }
    arrivals.push([id, Date.now()]);
    res.writeHead(204).end();
  });
});
server.on('connection', (s) => { open++; opened++; s.on('close', () => { open--; }); });
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
