/**
 * The twelve known states (shared/spec/troubleshooting.md): one module for the codes,
 * their stable anchors in docs/troubleshooting.md, and what to tell the user. Codes and
 * anchors never change once shipped.
 */
export const ERROR_CODES = {
  ERR_OAUTH_REVOKED: { anchor: 'oauth-token-rejected', title: 'OAuth token rejected by HubSpot', action: 'Reconnect from Settings → Integrations. Existing kustiq_* values stay on records.' },
  ERR_SCOPE_MISSING: { anchor: 'missing-scope', title: 'Missing scope', action: 'Ask a HubSpot Super Admin to reconnect, or grant the scope to the user role.' },
  ERR_SCHEMA_CONFLICT: { anchor: 'property-type-conflict', title: 'kustiq_* property exists with a conflicting type', action: 'Delete the manual property in HubSpot; the next sync recreates it.' },
  ERR_RATE_LIMITED: { anchor: 'rate-limit', title: 'Rate limit hit, sync paused', action: 'Nothing to do: Kustiq waits and resumes. Check other integrations if it persists past 6 hours.' },
  ERR_MATCH_LOW: { anchor: 'match-confidence-low', title: 'Match confidence under 80%', action: 'Confirm or reject the match in review, or add a domain to the company.' },
  ERR_DOMAIN_EMPTY: { anchor: 'empty-domain', title: 'Empty domain on company record', action: 'Set the domain in HubSpot, then re-run sync.' },
  ERR_PROPERTY_READONLY: { anchor: 'property-read-only', title: 'kustiq_* property locked as read-only', action: 'Unlock it in Settings → Properties, or let Kustiq manage the kustiq group.' },
  ERR_PORTAL_PAUSED: { anchor: 'portal-paused', title: 'HubSpot portal in trial-paused state', action: 'Reactivate the portal; sync resumes within 10 minutes.' },
  ERR_WEBHOOK_SIGNATURE: { anchor: 'webhook-signature', title: 'Webhook signature mismatch', action: 'Verify on the raw body bytes; rotate the secret if it drifted.' },
  ERR_WEBHOOK_STALE: { anchor: 'webhook-timestamp', title: 'Webhook body timestamp older than 5 minutes', action: 'Sync the receiving host\u2019s clock with NTP.' },
  ERR_REGION_MISMATCH: { anchor: 'region-mismatch', title: 'Workspace region differs from HubSpot portal region', action: 'Allowed, but data crosses regions. Move the workspace region before connecting.' },
  ERR_QUOTA_FREE: { anchor: 'quota-free-tier', title: 'Plan credits used up', action: 'Upgrade (Insight: 200 credits a month, Pro: 800), or wait for the next period.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export const TROUBLESHOOTING_DOC = 'docs/troubleshooting.md';

export function docLink(code: ErrorCode, base = '/docs/troubleshooting'): string {
  return `${base}#${ERROR_CODES[code].anchor}`;
}

/** An error that carries one of the twelve codes, safe to show (never holds secrets). */
export class KustiqError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly detail: Record<string, unknown> = {}) {
    super(message);
    this.name = 'KustiqError';
  }
}
