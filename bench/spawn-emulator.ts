import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

export const KUSTIQ_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/kustiq.js');

export interface SpawnedEmulator {
  url: string;
  portalId: number;
  clientId: string;
  clientSecret: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}

/** Runs `kustiq emulator --json` as its own process and waits for its ready line (interfaces.md §4). */
export async function spawnEmulator(args: string[] = [], env: NodeJS.ProcessEnv = {}, nodeFlags: string[] = []): Promise<SpawnedEmulator> {
  const child = spawn(process.execPath, [...nodeFlags, KUSTIQ_BIN, 'emulator', '--json', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const rl = readline.createInterface({ input: child.stdout! });
  const ready = await new Promise<{ url: string; portalId: number; clientId: string; clientSecret: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`emulator exited early with ${code}`)));
    rl.once('line', (line) => {
      try { resolve(JSON.parse(line)); } catch (e) { reject(e as Error); }
    });
  });
  return {
    ...ready,
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
