import {
  DescriptionList,
  DescriptionListItem,
  Divider,
  EmptyState,
  ErrorState,
  Flex,
  Heading,
  hubspot,
  LoadingSpinner,
  StatusTag,
  Tag,
  Text,
} from '@hubspot/ui-extensions';
import { useCrmProperties } from '@hubspot/ui-extensions/crm';
import { COMPANY_PROPERTIES, CONTACT_PROPERTIES, type CardProperty } from './catalog.generated';
import { formatValue, syncTime } from './format';

/**
 * The Kustiq section of the record sidebar. It reads the kustiq_* values HubSpot already
 * holds for the record. (Review/unmatched/skipped states and "Sync now" come from the
 * backend through hubspot.fetch: see the CRM card issue.)
 */
const AT_A_GLANCE = [
  'kustiq_industry', 'kustiq_headcount_band', 'kustiq_arr_estimate', 'kustiq_funding_stage', 'kustiq_last_round_date',
  'kustiq_hiring_signal', 'kustiq_hq_city', 'kustiq_hq_country', 'kustiq_icp_grade',
];
const TECH = 'kustiq_tech_stack';

interface CardProps {
  context: { crm: { objectTypeId: string }; portal: { timezone?: string } };
}

export function KustiqCard({ context }: CardProps) {
  const isCompany = context.crm.objectTypeId === '0-2';
  const catalog = isCompany ? COMPANY_PROPERTIES : CONTACT_PROPERTIES;
  const { properties, isLoading, error } = useCrmProperties(catalog.map((p) => p.name));
  if (isLoading) return <LoadingSpinner label="Loading Kustiq data" />;
  if (error) return <ErrorState title="Kustiq data could not be loaded">{error.message}</ErrorState>;
  return isCompany ? (
    <CompanySection properties={properties} timeZone={context.portal.timezone ?? 'UTC'} />
  ) : (
    <ContactSection properties={properties} />
  );
}

function CompanySection({ properties, timeZone }: { properties: Record<string, string | null>; timeZone: string }) {
  const synced = syncTime(properties.kustiq_last_synced_at, timeZone);
  if (!synced && !properties.kustiq_profile_id) {
    return (
      <EmptyState title="Not synced yet" layout="vertical">
        <Text>Kustiq has not enriched this company yet. It will after the next sync if its domain matches a Kustiq profile.</Text>
      </EmptyState>
    );
  }
  const byName = new Map(COMPANY_PROPERTIES.map((p) => [p.name, p]));
  const glance = AT_A_GLANCE.map((n) => byName.get(n)).filter((p): p is CardProperty => !!p);
  const tech = (properties[TECH] ?? '').split(';').filter(Boolean);
  const method = byName.get('kustiq_match_method');
  return (
    <Flex direction="column" gap="sm">
      <Flex direction="row" gap="sm" align="center">
        <StatusTag variant="success" testId="status">Enriched</StatusTag>
        <Text variant="microcopy">
          Match {formatValue(byName.get('kustiq_match_confidence')!, properties.kustiq_match_confidence)}% by{' '}
          {method ? formatValue(method, properties.kustiq_match_method) : '—'}
        </Text>
      </Flex>
      {synced && (
        <Text variant="microcopy" testId="last-sync">
          Last synced {synced.relative} · {synced.absolute}
        </Text>
      )}
      <DescriptionList direction="row">
        {glance.map((p) => (
          <DescriptionListItem key={p.name} label={p.label}>
            <Text>{formatValue(p, properties[p.name])}</Text>
          </DescriptionListItem>
        ))}
      </DescriptionList>
      {properties.kustiq_icp_explanation && <Text variant="microcopy">{properties.kustiq_icp_explanation}</Text>}
      <Heading>Tech stack</Heading>
      <Flex direction="row" gap="xs" wrap="wrap">
        {tech.length ? tech.map((t) => <Tag key={t}>{t}</Tag>) : <Text>—</Text>}
      </Flex>
      <Divider />
      <Heading>All {COMPANY_PROPERTIES.length} Kustiq properties</Heading>
      <DescriptionList direction="column">
        {COMPANY_PROPERTIES.map((p) => (
          <DescriptionListItem key={p.name} label={p.name}>
            <Text>{formatValue(p, properties[p.name])}</Text>
          </DescriptionListItem>
        ))}
      </DescriptionList>
    </Flex>
  );
}

function ContactSection({ properties }: { properties: Record<string, string | null> }) {
  if (CONTACT_PROPERTIES.every((p) => !properties[p.name])) {
    return (
      <EmptyState title="Not synced yet" layout="vertical">
        <Text>Kustiq enriches contacts associated with a matched company.</Text>
      </EmptyState>
    );
  }
  return (
    <DescriptionList direction="column">
      {CONTACT_PROPERTIES.map((p) => (
        <DescriptionListItem key={p.name} label={p.label}>
          <Text>{formatValue(p, properties[p.name])}</Text>
        </DescriptionListItem>
      ))}
    </DescriptionList>
  );
}

hubspot.extend<'crm.record.sidebar'>(({ context }) => <KustiqCard context={context} />);
