import type { Knex } from 'knex';
import type PgBoss from 'pg-boss';
import type { Config } from '../config';
import { signedBase } from '../http/called-uri';
import { HubSpotOAuth, oauthOptions } from '../hubspot/oauth-client';
import type { Logger } from '../log';
import { parseKeyring, type Keyring } from '../vault/crypto';
import { TokenVault } from '../vault/token-vault';

/** What the install, dashboard and jobs need, built once from the config. */
export interface InstallServices {
  config: Config;
  knex: Knex;
  log: Logger;
  oauth: HubSpotOAuth;
  vault: TokenVault;
  redirectUri: string;
  /** Encrypts what is kept secret at rest (tokens, webhook secrets). */
  keyring: Keyring;
  /** The job queue (pg-boss) for work the web asks of the workers; set once the process has one. */
  boss?: PgBoss;
}

export function installServices(config: Config, knex: Knex, log: Logger): InstallServices {
  if (!config.KUSTIQ_ENCRYPTION_KEYS) throw new Error('KUSTIQ_ENCRYPTION_KEYS is required to store HubSpot tokens');
  const oauth = new HubSpotOAuth(oauthOptions(config));
  const keyring = parseKeyring(config.KUSTIQ_ENCRYPTION_KEYS);
  const vault = new TokenVault(knex, keyring, oauth, log);
  // Under PUBLIC_URL's path, as every other link and the signatures are (a reverse proxy may serve Kustiq under a prefix).
  return { config, knex, log, oauth, vault, keyring, redirectUri: `${signedBase(config)}/oauth/callback` };
}
