/**
 * The scopes Kustiq asks for. Required: `oauth` plus the seed's six. Optional:
 * `crm.schemas.contacts.write` (HubSpot needs it to create the 4 contact properties)
 * and `crm.lists.read` (the company-list picker). src/app/app-hsmeta.json must list the
 * same; a test keeps them equal.
 */
export const REQUIRED_SCOPES = [
  'oauth',
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'crm.schemas.companies.read',
  'crm.schemas.companies.write',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
] as const;

export const OPTIONAL_SCOPES = ['crm.schemas.contacts.write', 'crm.lists.read'] as const;

export const CONTACT_SCHEMA_SCOPE = 'crm.schemas.contacts.write';

export function missingRequired(granted: readonly string[]): string[] {
  return REQUIRED_SCOPES.filter((s) => !granted.includes(s));
}

/** HubSpot data-hosting location (na1, na2, eu1, ap1) → Kustiq region. */
export function regionOf(dataHostingLocation: string | undefined): 'us' | 'eu' | 'ap' {
  const loc = (dataHostingLocation ?? 'na1').toLowerCase();
  if (loc.startsWith('eu')) return 'eu';
  if (loc.startsWith('ap')) return 'ap';
  return 'us';
}
