// A customer's webhook receiver, running the seed's Express verifier as published
// (kustiq-hubspot-integration.txt, "Webhooks"), unchanged. Its secret comes from the
// environment, as the seed says; the test restarts it to "update the secret".
// PORT: where to listen. /control sets answers for the next requests; /log lists them.
const express = require('express');
const app = express();

// ---- the seed's verifier, verbatim ----
const crypto = require("crypto"); const SECRET = process.env.KUSTIQ_WEBHOOK_SECRET; function verify(req) { const sig = req.headers["x-kustiq-signature"] || ""; if (sig.length !== 64) return false; const mac = crypto .createHmac("sha256", SECRET) .update(req.body) .digest("hex"); const ok = crypto.timingSafeEqual( Buffer.from(mac, "hex"), Buffer.from(sig, "hex"), ); if (!ok) return false; // Replay check: body has top-level "timestamp" (unix seconds).
 const body = JSON.parse(req.body); return Date.now() / 1000 - body.timestamp < 300; }
// ---- end of the seed's verifier ----

const log = [];
let control = { failNext: 0, failStatus: 503, delayMs: 0 };
app.post('/hook', express.raw({ type: "application/json" }), async (req, res) => {
  const ok = verify(req);
  let id = null;
  try { id = JSON.parse(req.body).id; } catch { /* not JSON */ }
  if (control.delayMs) await new Promise((r) => setTimeout(r, control.delayMs));
  if (ok && control.failNext > 0) {
    control.failNext--;
    log.push({ id, ok, status: control.failStatus });
    return res.status(control.failStatus).end();
  }
  log.push({ id, ok, status: ok ? 200 : 401 });
  res.status(ok ? 200 : 401).json({ ok });
});
app.post('/control', express.json(), (req, res) => { control = { ...control, ...req.body }; res.json(control); });
app.get('/log', (_req, res) => res.json(log));
app.delete('/log', (_req, res) => { log.length = 0; res.status(204).end(); });
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
