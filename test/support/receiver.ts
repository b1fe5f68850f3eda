import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../server/db/embedded-postgres';

/** The seed's verifier in its own process (restartable with another secret, on the same port). */
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'seed-receiver.cjs');

export class SeedReceiver {
  private child: ChildProcess | null = null;
  constructor(readonly port: number) {}

  static async start(secret: string): Promise<SeedReceiver> {
    const r = new SeedReceiver(await freePort());
    await r.restart(secret);
    return r;
  }

  get url(): string { return `http://127.0.0.1:${this.port}/hook`; }

  async restart(secret: string): Promise<void> {
    await this.stop();
    const child = spawn(process.execPath, [SCRIPT], { env: { ...process.env, PORT: String(this.port), KUSTIQ_WEBHOOK_SECRET: secret }, stdio: ['ignore', 'pipe', 'inherit'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => { if (String(d).includes('listening')) resolve(); });
      child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
    });
  }

  async log(): Promise<{ id: string | null; ok: boolean; status: number }[]> {
    return (await fetch(`http://127.0.0.1:${this.port}/log`)).json() as never;
  }

  async control(c: { failNext?: number; failStatus?: number; delayMs?: number }): Promise<void> {
    await fetch(`http://127.0.0.1:${this.port}/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(c) });
  }

  async post(body: string, signature: string): Promise<number> {
    return (await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-kustiq-signature': signature }, body })).status;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    c.removeAllListeners('exit');
    await new Promise((r) => { c.once('exit', r); c.kill('SIGTERM'); });
    this.child = null;
  }
}
