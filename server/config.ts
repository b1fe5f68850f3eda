import path from 'node:path';
import { z } from 'zod';

/**
 * The one config module: every environment variable Kustiq reads is declared,
 * documented (.env.example) and validated here. Anything else imports `Config`.
 */
const port = z.coerce.number().int().min(0).max(65535);
const url = z.string().url();

export const ConfigSchema = z.object({
  /**
   * `production` (default): `kustiq start|web|worker` refuse to run without DATABASE_URL
   * and an https PUBLIC_URL. `development`: they run on the embedded Postgres and a
   * plain-http PUBLIC_URL too (local development, `hs project dev`, tests).
   */
  KUSTIQ_ENV: z.enum(['production', 'development']).default('production'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  KUSTIQ_DATA_DIR: z.string().min(1).default('.kustiq'),
  PORT: port.default(3000),
  PUBLIC_URL: url.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HUBSPOT_API_BASE_URL: url.default('https://api.hubapi.com'),
  HUBSPOT_AUTHORIZE_URL: url.default('https://app.hubspot.com/oauth/authorize'),
  HUBSPOT_CLIENT_ID: z.string().min(1).optional(),
  HUBSPOT_CLIENT_SECRET: z.string().min(1).optional(),
  HUBSPOT_APP_ID: z.coerce.number().int().positive().optional(),
  /** `v3` = /oauth/2026-03/token (default); `v1` only as a fallback before HubSpot's 2027-02-16 sunset. */
  HUBSPOT_OAUTH_TOKEN_API: z.enum(['v3', 'v1']).default('v3'),
  /** Comma-separated `keyId:base64key` pairs (32-byte keys); the last one encrypts. */
  KUSTIQ_ENCRYPTION_KEYS: z
    .string()
    .regex(/^([A-Za-z0-9_-]+:[A-Za-z0-9+/=]+)(,[A-Za-z0-9_-]+:[A-Za-z0-9+/=]+)*$/, 'must be keyId:base64key[,keyId:base64key...]')
    .optional(),
  KUSTIQ_SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  KUSTIQ_REGION: z.enum(['us', 'eu']).default('us'),
  // How long a sync job works before handing the rest of the run to the next job, and
  // when a job whose worker vanished is given to another (seconds, checked every
  // KUSTIQ_JOB_MAINTENANCE_SECONDS).
  KUSTIQ_SYNC_SLICE_MS: z.coerce.number().int().min(100).max(600_000).default(20_000),
  KUSTIQ_SYNC_EXPIRE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(90),
  KUSTIQ_JOB_MAINTENANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  // A run stopped by a paused portal (ERR_PORTAL_PAUSED) looks again this often and resumes by itself.
  KUSTIQ_PAUSED_RECHECK_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  // HubSpot's limits for a marketplace app, as requests/window-ms: 110 per 10 s per portal,
  // search 5 per second (platform.md §5). Change only if HubSpot changes them (or against
  // a local HubSpot set to other limits).
  KUSTIQ_RATE_GENERAL: z.string().regex(/^\d+\/\d+$/, 'must be requests/windowMs, e.g. 110/10000').default('110/10000'),
  // How much longer than HubSpot's the budget's 10-second window is (ms): room for jitter
  // between a request leaving here and HubSpot counting it.
  KUSTIQ_RATE_MARGIN_MS: z.coerce.number().int().min(0).max(5000).default(300),
  KUSTIQ_RATE_SEARCH: z.string().regex(/^\d+\/\d+$/, 'must be requests/windowMs, e.g. 5/1000').default('5/1000'),
  // Credits (plans: Free 3 profiles a week, Insight 200 and Pro 800 a month). `unmetered`
  // is for deployments without billing (development, benchmarks): nothing is counted.
  KUSTIQ_CREDITS: z.enum(['metered', 'unmetered']).default('metered'),
  KUSTIQ_ALLOW_PRIVATE_WEBHOOK_TARGETS: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
});

export type Config = z.infer<typeof ConfigSchema> & { dataDir: string };
export type ConfigKey = keyof z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(public readonly problems: { variable: string; problem: string }[]) {
    super(
      'Invalid configuration:\n' +
        problems.map((p) => `  ${p.variable}: ${p.problem}`).join('\n') +
        '\nSee .env.example for every variable and its format.',
    );
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /**
   * A production entry point (`kustiq start|web|worker`): unless KUSTIQ_ENV=development,
   * DATABASE_URL is required (the embedded Postgres serves the demo, tests and development
   * only) and PUBLIC_URL must be an https URL.
   */
  deployment?: boolean;
}

/** What a production process lacks: the demo's settings must never run production by accident. */
function deploymentProblems(data: z.infer<typeof ConfigSchema>, reported: (key: string) => boolean): { variable: string; problem: string }[] {
  if (data.KUSTIQ_ENV === 'development') return [];
  const out: { variable: string; problem: string }[] = [];
  const hint = '(KUSTIQ_ENV is production; set KUSTIQ_ENV=development to run locally without it)';
  if (!data.DATABASE_URL && !reported('DATABASE_URL')) {
    out.push({ variable: 'DATABASE_URL', problem: `is required in production: the embedded Postgres serves the demo, tests and development only ${hint}` });
  }
  if (!reported('PUBLIC_URL')) {
    if (!data.PUBLIC_URL) out.push({ variable: 'PUBLIC_URL', problem: `is required in production: the https origin HubSpot reaches this backend at ${hint}` });
    else if (new URL(data.PUBLIC_URL).protocol !== 'https:') out.push({ variable: 'PUBLIC_URL', problem: `must be an https URL in production, got ${new URL(data.PUBLIC_URL).protocol.replace(':', '')} ${hint}` });
  }
  return out;
}

/**
 * Validates the environment. `require` names variables a command cannot run
 * without; every offending variable is reported at once, never one at a time.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, require: ConfigKey[] = [], opts: LoadOptions = {}): Config {
  // Empty strings mean "unset" (a blank line in a .env file must not fail validation).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(cleaned);
  const problems: { variable: string; problem: string }[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ variable: String(issue.path[0]), problem: issue.message });
    }
  }
  for (const key of require) {
    if (cleaned[key] === undefined && !problems.some((p) => p.variable === key)) {
      problems.push({ variable: key, problem: 'is required for this command' });
    }
  }
  if (opts.deployment) {
    // Judged on what parsed; a variable that failed to parse is already named above.
    const data = ConfigSchema.safeParse({ ...cleaned, ...Object.fromEntries(problems.map((p) => [p.variable, undefined])) });
    if (data.success) problems.push(...deploymentProblems(data.data, (k) => problems.some((p) => p.variable === k)));
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return { ...parsed.data, dataDir: path.resolve(parsed.data.KUSTIQ_DATA_DIR) };
}
