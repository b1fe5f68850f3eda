import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

/**
 * The demo's local webhook receiver: it checks each delivery as the seed's Express verifier
 * does (HMAC-SHA256 of the raw body, compared in constant time; body timestamp under 5
 * minutes old) and counts what verified. Answers 200 or 401.
 */
export interface DemoReceiver { url: string; verified: number; rejected: number; close: () => Promise<void> }

export async function startDemoReceiver(secret: string, port = 0): Promise<DemoReceiver> {
  const state = { verified: 0, rejected: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const sig = String(req.headers['x-kustiq-signature'] ?? '');
      const mac = createHmac('sha256', secret).update(body).digest('hex');
      let ok = sig.length === 64 && timingSafeEqual(Buffer.from(mac, 'hex'), Buffer.from(sig, 'hex'));
      try { ok = ok && Date.now() / 1000 - JSON.parse(body.toString('utf8')).timestamp < 300; } catch { ok = false; }
      if (ok) state.verified++;
      else state.rejected++;
      res.statusCode = ok ? 200 : 401;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  const addr = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}/kustiq-webhooks`,
    get verified() { return state.verified; },
    get rejected() { return state.rejected; },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
