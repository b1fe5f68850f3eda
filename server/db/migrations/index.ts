import type { Knex } from 'knex';
import * as m001 from './001_workspaces';
import * as m002 from './002_hubspot_connection';
import * as m003 from './003_profiles';
import * as m004 from './004_matches';
import * as m005 from './005_icp';
import * as m006 from './006_sync';
import * as m007 from './007_credits';
import * as m008 from './008_request_seconds';
import * as m009 from './009_sync_list';
import * as m010 from './010_webhooks';
import * as m011 from './011_webhook_dispatchers';
import * as m012 from './012_run_notices';
import * as m015 from './015_purge';
import * as m016 from './016_seen_at';

/**
 * Migrations are listed here (not discovered from the file system) so they load
 * the same way under the CLI, tests and bundlers. Append; never reorder or rename.
 */
const MIGRATIONS: Record<string, { up: (k: Knex) => Promise<void>; down: (k: Knex) => Promise<void> }> = {
  '001_workspaces': m001,
  '002_hubspot_connection': m002,
  '003_profiles': m003,
  '004_matches': m004,
  '005_icp': m005,
  '006_sync': m006,
  '007_credits': m007,
  '008_request_seconds': m008,
  '009_sync_list': m009,
  '010_webhooks': m010,
  '011_webhook_dispatchers': m011,
  '012_run_notices': m012,
  '015_purge': m015,
  '016_seen_at': m016,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name]!,
};
