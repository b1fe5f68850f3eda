import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPTIONAL_SCOPES, REQUIRED_SCOPES } from '../../server/hubspot/scopes';

describe('scopes', () => {
  it('the app config asks HubSpot for exactly the scopes the backend requests', () => {
    const app = JSON.parse(fs.readFileSync('src/app/app-hsmeta.json', 'utf8'));
    expect(app.config.auth.requiredScopes).toEqual([...REQUIRED_SCOPES]);
    expect(app.config.auth.optionalScopes).toEqual([...OPTIONAL_SCOPES]);
    expect(app.config.distribution).toBe('marketplace');
    // The seed's six, plus oauth.
    expect(REQUIRED_SCOPES.filter((s) => s !== 'oauth')).toHaveLength(6);
  });
});
