import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../server/db/embedded-postgres';

/**
 * One real Postgres server per test run: TEST_DATABASE_URL if given (an admin URL of a
 * server we may create databases on), otherwise an embedded one in a temp directory.
 * Each test file then makes its own fresh database (test/support/db.ts).
 */
let server: EmbeddedServer | null = null;
let dir: string | null = null;

export default async function setup(project: TestProject) {
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kustiq-test-pg-'));
    server = await startEmbeddedPostgres(dir, { persistent: false });
    adminUrl = server.url('postgres');
  }
  project.provide('adminDatabaseUrl', adminUrl);
  return async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}
