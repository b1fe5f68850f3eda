// Load for `bench card`: CONCURRENCY clients asking the card status of random synced
// companies, each request signed as HubSpot signs hubspot.fetch calls (v3): WARMUP requests
// first (connections opened, code compiled, on both sides), then TOTAL measured.
//
// It shares two cores with the server and Postgres, so its own CPU is part of what is
// measured. Like wrk, each client is a kept-alive socket sending one HTTP/1.1 request at a
// time and reading the answer by its Content-Length (a third of undici's CPU per request).
// Requests are signed before each phase (HubSpot signs on its own machines; the timestamps
// stay well inside the 5-minute window).
//
// Prints {latencies: [ms...], wallMs, errors, stolenPercent, loadCpuMsPerRequest} for the
// measured requests as JSON.
const crypto = require('crypto');
const fs = require('fs');
const net = require('net');

const [url, secret, portalId, firstId, count, concurrency, warmup, total] = process.argv.slice(2);
const target = new URL(url);

function signed() {
  const id = Number(firstId) + Math.floor(Math.random() * Number(count));
  const path = `/card/v1/record?objectType=companies&objectId=${id}&userId=9001&userEmail=rep%40portal.example&appId=1&portalId=${portalId}`;
  const ts = String(Date.now());
  const sig = crypto.createHmac('sha256', secret).update(`GET${url}${path.replace('%40', '@')}${ts}`, 'utf8').digest('base64');
  return Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${target.host}\r\nX-HubSpot-Signature-v3: ${sig}\r\nX-HubSpot-Request-Timestamp: ${ts}\r\n\r\n`, 'latin1');
}

/** One kept-alive connection; send() resolves with the answer's status code once its whole body is in. */
function client() {
  const socket = net.connect(Number(target.port), target.hostname);
  socket.setNoDelay(true);
  let buffered = Buffer.alloc(0);
  let end = -1; // where the current answer ends in `buffered`, once its head is read
  let status = 0;
  let pending = null;
  const fail = (err) => { if (pending) { const p = pending; pending = null; p.reject(err); } };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('connection closed')));
  socket.on('data', (chunk) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    for (;;) {
      if (end < 0) {
        const headEnd = buffered.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = buffered.toString('latin1', 0, headEnd);
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        if (!length) return fail(new Error(`answer without Content-Length: ${head.split('\r\n')[0]}`));
        status = Number(head.slice(9, 12));
        end = headEnd + 4 + Number(length[1]);
      }
      if (buffered.length < end) return;
      buffered = buffered.subarray(end);
      end = -1;
      const p = pending;
      pending = null;
      p?.resolve(status);
    }
  });
  return {
    ready: new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); }),
    send: (request) => new Promise((resolve, reject) => { pending = { resolve, reject }; socket.write(request); }),
    close: () => socket.destroy(),
  };
}

/** CPU time the hypervisor gave to other machines (Linux /proc/stat "steal"), in jiffies of all cores; null elsewhere. */
function cpuTimes() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { steal: f[7] ?? 0, all: f.slice(0, 8).reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

async function phase(clients, n) {
  const requests = Array.from({ length: n }, signed);
  const latencies = [];
  let errors = 0;
  let sent = 0;
  const before = cpuTimes();
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(clients.map(async (c) => {
    while (sent < n) {
      const request = requests[sent++];
      const t0 = performance.now();
      try {
        if ((await c.send(request)) !== 200) errors++;
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
        return; // this connection is gone; the others carry on
      }
    }
  }));
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const after = cpuTimes();
  const stolenPercent = before && after ? Math.round(((after.steal - before.steal) / Math.max(1, after.all - before.all)) * 1000) / 10 : null;
  return { latencies, wallMs, errors, stolenPercent, loadCpuMsPerRequest: (used.user + used.system) / 1000 / n };
}

(async () => {
  const clients = Array.from({ length: Number(concurrency) }, client);
  await Promise.all(clients.map((c) => c.ready));
  await phase(clients, Number(warmup));
  process.stdout.write(JSON.stringify(await phase(clients, Number(total))));
  clients.forEach((c) => c.close());
})().catch((err) => {
  process.stderr.write(`card load: ${err.message}\n`);
  process.exit(1);
});
