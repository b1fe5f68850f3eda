import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** hostile-receiver.cjs in its own process: a huge answer, a drip, a silence, and a healthy /ok that logs arrivals. */
export class HostileReceivers {
  private constructor(private readonly child: ChildProcess, readonly port: number) {}

  static async start(): Promise<HostileReceivers> {
    const child = spawn(process.execPath, [path.join(path.dirname(fileURLToPath(import.meta.url)), 'hostile-receiver.cjs')], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => { const m = /listening (\d+)/.exec(String(d)); if (m) resolve(Number(m[1])); });
      child.once('exit', (code) => reject(new Error(`hostile receiver exited with ${code}`)));
    });
    return new HostileReceivers(child, port);
  }

  url(path: '/huge' | '/drip' | '/hang' | '/ok', query = ''): string { return `http://127.0.0.1:${this.port}${path}${query}`; }

  async stats(): Promise<{ open: number; opened: number; arrivals: [string | null, number][] }> {
    // A fresh connection each time (and closed after), so the count is of the sender's sockets only.
    const s = (await (await fetch(`http://127.0.0.1:${this.port}/stats`, { headers: { connection: 'close' } })).json()) as { open: number; opened: number; arrivals: [string | null, number][] };
    return { ...s, open: s.open - 1 }; // not counting this request's own socket
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.removeAllListeners('exit');
    await new Promise((r) => { this.child.once('exit', r); this.child.kill('SIGTERM'); });
  }
}
