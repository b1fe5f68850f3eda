import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../server/config';

describe('configuration', () => {
  it('applies defaults for a bare environment', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.HUBSPOT_API_BASE_URL).toBe('https://api.hubapi.com');
    expect(c.HUBSPOT_OAUTH_TOKEN_API).toBe('v3');
    expect(c.dataDir).toMatch(/\.kustiq$/);
  });

  it('names every offending variable at once', () => {
    try {
      loadConfig({ DATABASE_URL: 'mysql://db/x', PORT: 'eighty', LOG_LEVEL: 'loud', KUSTIQ_ENCRYPTION_KEYS: 'nokey' }, ['HUBSPOT_CLIENT_ID']);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const vars = (err as ConfigError).problems.map((p) => p.variable).sort();
      expect(vars).toEqual(['DATABASE_URL', 'HUBSPOT_CLIENT_ID', 'KUSTIQ_ENCRYPTION_KEYS', 'LOG_LEVEL', 'PORT']);
      expect((err as Error).message).toMatch(/DATABASE_URL: must be a postgres/);
      expect((err as Error).message).toMatch(/HUBSPOT_CLIENT_ID: is required for this command/);
    }
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).DATABASE_URL).toBeUndefined();
  });
});
