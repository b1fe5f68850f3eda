import pino, { type Logger } from 'pino';

/**
 * Logs go to stderr (stdout is reserved for `--json` output). Anything that could
 * carry a credential is redacted by key, wherever it sits in the logged object.
 */
export const REDACTED_KEYS = [
  'access_token', 'refresh_token', 'accessToken', 'refreshToken', 'token', 'code',
  'client_secret', 'clientSecret', 'secret', 'password', 'authorization', 'Authorization',
  'cookie', 'set-cookie', 'key', 'keys',
];

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `req.headers.${k}`]);
  return pino(
    { level, redact: { paths, censor: '[redacted]' }, base: undefined },
    destination ?? pino.destination(2),
  );
}

export type { Logger };
