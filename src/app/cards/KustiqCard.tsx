import { useEffect, useState } from 'react';
import {
  Alert,
  Button,
  DescriptionList,
  DescriptionListItem,
  Divider,
  EmptyState,
  Flex,
  Heading,
  hubspot,
  Link,
  LoadingSpinner,
  StatusTag,
  Tag,
  Text,
} from '@hubspot/ui-extensions';
import { useCrmProperties } from '@hubspot/ui-extensions/crm';
import { BackendError, fetchStatus, startSync, syncState, type RecordStatus, type RecordSync, type RecordType } from './backend';
import { COMPANY_PROPERTIES, CONTACT_PROPERTIES, type CardProperty } from './catalog.generated';
import { formatValue, syncTime } from './format';

/**
 * The Kustiq section of the record sidebar. The kustiq_* values come from HubSpot
 * (useCrmProperties); the record's state (enriched, in review, unmatched, skipped, waiting
 * for credits…), its code and the last sync come from the Kustiq backend through
 * hubspot.fetch. "Sync now" queues the record's sync there, follows it, says how it ended
 * and refreshes the values on the page.
 */
const AT_A_GLANCE = [
  'kustiq_industry', 'kustiq_headcount_band', 'kustiq_arr_estimate', 'kustiq_funding_stage', 'kustiq_last_round_date',
  'kustiq_hiring_signal', 'kustiq_hq_city', 'kustiq_hq_country', 'kustiq_icp_grade',
];
const TECH = 'kustiq_tech_stack';
const POLL_MS = 500;
const POLL_LIMIT = 60;

const STATUS_TAG: Record<RecordStatus['status'], { label: string; variant: 'success' | 'info' | 'warning' | 'danger' | 'default' }> = {
  enriched: { label: 'Enriched', variant: 'success' },
  queued: { label: 'Matched, waiting for the next sync', variant: 'info' },
  waiting: { label: 'Waiting for credits', variant: 'warning' },
  failed: { label: 'Write failed', variant: 'danger' },
  review: { label: 'In review', variant: 'warning' },
  unmatched: { label: 'Unmatched', variant: 'default' },
  skipped: { label: 'Skipped', variant: 'default' },
  rejected: { label: 'Match rejected in review', variant: 'default' },
  not_synced: { label: 'Not synced yet', variant: 'default' },
};

export interface CardActions {
  addAlert: (alert: { type?: 'info' | 'warning' | 'success' | 'danger' | 'tip'; title?: string; message: string }) => void;
  refreshObjectProperties: () => void;
}

interface CardProps {
  context: { crm: { objectId: number; objectTypeId: string }; portal: { timezone?: string } };
  actions: CardActions;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function KustiqCard({ context, actions }: CardProps) {
  const objectType: RecordType = context.crm.objectTypeId === '0-2' ? 'companies' : 'contacts';
  const objectId = context.crm.objectId;
  const catalog = objectType === 'companies' ? COMPANY_PROPERTIES : CONTACT_PROPERTIES;
  const { properties, isLoading, error } = useCrmProperties(catalog.map((p) => p.name));
  const [status, setStatus] = useState<RecordStatus | null>(null);
  const [backendError, setBackendError] = useState<BackendError | null>(null);
  const [syncing, setSyncing] = useState(false);

  // Bumped to read the record's state again (after "Sync now", or "Try again").
  const [reads, setReads] = useState(0);
  const load = () => setReads((n) => n + 1);
  useEffect(() => {
    let live = true;
    fetchStatus(objectType, objectId).then(
      (s) => {
        if (!live) return;
        setStatus(s);
        setBackendError(null);
      },
      (err: unknown) => {
        if (live) setBackendError(err instanceof BackendError ? err : new BackendError(String(err)));
      },
    );
    return () => {
      live = false;
    };
  }, [objectType, objectId, reads]);

  const syncNow = async () => {
    setSyncing(true);
    try {
      let s: RecordSync = await startSync(objectType, objectId);
      for (let i = 0; i < POLL_LIMIT && (s.status === 'queued' || s.status === 'running'); i++) {
        await sleep(POLL_MS);
        s = await syncState(s.id);
      }
      if (s.status === 'succeeded' && s.outcome === 'written') {
        actions.addAlert({ type: 'success', title: 'Synced', message: 'Kustiq values updated on this record.' });
        actions.refreshObjectProperties();
      } else if (s.status === 'succeeded') {
        actions.addAlert({ type: 'warning', title: `Not synced: ${s.code ?? 'skipped'}`, message: s.detail ?? 'Kustiq wrote nothing to this record.' });
      } else if (s.status === 'failed') {
        actions.addAlert({ type: 'danger', title: `Sync failed: ${s.code ?? 'error'}`, message: s.detail ?? 'The sync did not finish.' });
      } else {
        actions.addAlert({ type: 'info', title: 'Still syncing', message: 'The sync is taking longer than usual; the values will appear when it ends.' });
      }
    } catch (err) {
      const e = err instanceof BackendError ? err : new BackendError(String(err));
      actions.addAlert({ type: 'danger', title: e.code ? `Sync failed: ${e.code}` : 'Sync failed', message: e.message });
    } finally {
      setSyncing(false);
      load();
    }
  };

  if (isLoading || (!status && !backendError)) return <LoadingSpinner label="Loading Kustiq data" />;
  const values: Record<string, string | null> = error ? {} : properties;
  const running = syncing || !!status?.sync;
  const syncButton = (
    <Flex direction="row" gap="sm" align="center">
      <Button testId="sync-now" variant="secondary" size="sm" disabled={running || backendError?.code === 'ERR_OAUTH_REVOKED'} onClick={() => void syncNow()}>
        {running ? 'Syncing…' : 'Sync now'}
      </Button>
      {running && <LoadingSpinner label="Syncing this record" size="xs" />}
    </Flex>
  );
  return (
    <Flex direction="column" gap="sm">
      {backendError && <Unreachable error={backendError} onRetry={load} />}
      {error && <Alert title="HubSpot values could not be loaded" variant="warning">{error.message}</Alert>}
      {objectType === 'companies' ? (
        <CompanySection values={values} status={status} timeZone={context.portal.timezone ?? 'UTC'} />
      ) : (
        <ContactSection values={values} status={status} timeZone={context.portal.timezone ?? 'UTC'} />
      )}
      {syncButton}
    </Flex>
  );
}

function Unreachable({ error, onRetry }: { error: BackendError; onRetry: () => void }) {
  if (error.code) {
    return (
      <Alert title={`Kustiq: ${error.code}`} variant="danger" testId="backend-error">
        {error.message}
      </Alert>
    );
  }
  return (
    <Alert title="Kustiq could not be reached" variant="warning" testId="backend-unreachable">
      Showing the values HubSpot holds. <Link href="" onClick={onRetry} preventDefault>Try again</Link>
    </Alert>
  );
}

function StatusLine({ status }: { status: RecordStatus | null }) {
  if (!status) return null;
  const tag = STATUS_TAG[status.status];
  return (
    <Flex direction="column" gap="xs">
      <StatusTag variant={tag.variant} testId="status">{tag.label}</StatusTag>
      {status.problem && (
        <Text variant="microcopy" testId="problem">
          {`${status.problem.code}: ${status.problem.title}. `}
          <Link href={{ url: status.problem.docUrl, external: true }} testId="problem-link">Troubleshooting</Link>
        </Text>
      )}
    </Flex>
  );
}

function LastSync({ raw, timeZone }: { raw: string | null | undefined; timeZone: string }) {
  const synced = syncTime(raw, timeZone);
  return (
    <Text variant="microcopy" testId="last-sync">
      {synced ? `Last synced ${synced.relative} · ${synced.absolute}` : 'Never synced'}
    </Text>
  );
}

function NotSynced({ status, why }: { status: RecordStatus | null; why: string }) {
  return (
    <Flex direction="column" gap="sm">
      <StatusLine status={status} />
      <EmptyState title="Not synced yet" layout="vertical" testId="empty">
        <Text>{why}</Text>
      </EmptyState>
    </Flex>
  );
}

function CompanySection({ values, status, timeZone }: { values: Record<string, string | null>; status: RecordStatus | null; timeZone: string }) {
  const byName = new Map(COMPANY_PROPERTIES.map((p) => [p.name, p]));
  const enriched = !!values.kustiq_profile_id;
  // Without the backend, what HubSpot holds still says whether the record was enriched.
  const shown: RecordStatus | null = status ?? (enriched ? { status: 'enriched', problem: null, match: null, lastSyncAt: null, sync: null } : null);
  if (!enriched && (!shown || shown.status === 'not_synced')) {
    return <NotSynced status={shown} why="Kustiq has not enriched this company yet. It will after the next sync if its domain matches a Kustiq profile." />;
  }
  const glance = AT_A_GLANCE.map((n) => byName.get(n)).filter((p): p is CardProperty => !!p);
  const tech = (values[TECH] ?? '').split(';').filter(Boolean);
  const confidence = values.kustiq_match_confidence || (shown?.match ? String(shown.match.confidence) : '');
  const method = values.kustiq_match_method || shown?.match?.method || '';
  const best = shown?.match?.bestCandidate;
  return (
    <Flex direction="column" gap="sm">
      <StatusLine status={shown} />
      {best && shown?.status !== 'enriched' && (
        <Text testId="best-candidate">
          Best candidate: {best.name}{best.domain ? ` (${best.domain})` : ''}, {best.confidence}% confidence
        </Text>
      )}
      <Text variant="microcopy" testId="match">
        Match {confidence ? `${formatValue(byName.get('kustiq_match_confidence')!, confidence)}%` : '—'} by {method ? formatValue(byName.get('kustiq_match_method')!, method) : '—'}
      </Text>
      <LastSync raw={values.kustiq_last_synced_at || shown?.lastSyncAt} timeZone={timeZone} />
      {enriched && (
        <>
          <DescriptionList direction="row">
            {glance.map((p) => (
              <DescriptionListItem key={p.name} label={p.label}>
                <Text>{formatValue(p, values[p.name])}</Text>
              </DescriptionListItem>
            ))}
          </DescriptionList>
          {values.kustiq_icp_explanation && <Text variant="microcopy" testId="icp-explanation">{values.kustiq_icp_explanation}</Text>}
          <Heading>Tech stack</Heading>
          <Flex direction="row" gap="xs" wrap="wrap">
            {tech.length ? tech.map((t) => <Tag key={t}>{t}</Tag>) : <Text>—</Text>}
          </Flex>
        </>
      )}
      <Divider />
      <Heading>All {COMPANY_PROPERTIES.length} Kustiq properties</Heading>
      <DescriptionList direction="column" testId="all-properties">
        {COMPANY_PROPERTIES.map((p) => (
          <DescriptionListItem key={p.name} label={p.name}>
            <Text>{formatValue(p, values[p.name])}</Text>
          </DescriptionListItem>
        ))}
      </DescriptionList>
    </Flex>
  );
}

function ContactSection({ values, status, timeZone }: { values: Record<string, string | null>; status: RecordStatus | null; timeZone: string }) {
  const has = CONTACT_PROPERTIES.some((p) => values[p.name]);
  if (!has && (!status || status.status === 'not_synced')) {
    return <NotSynced status={status} why="Kustiq enriches contacts of a matched company (by association or email domain)." />;
  }
  return (
    <Flex direction="column" gap="sm">
      <StatusLine status={status ?? { status: 'enriched', problem: null, match: null, lastSyncAt: null, sync: null }} />
      <DescriptionList direction="column" testId="contact-properties">
        {CONTACT_PROPERTIES.map((p) => (
          <DescriptionListItem key={p.name} label={p.label}>
            <Text>{formatValue(p, values[p.name])}</Text>
          </DescriptionListItem>
        ))}
      </DescriptionList>
      <LastSync raw={status?.lastSyncAt} timeZone={timeZone} />
    </Flex>
  );
}

hubspot.extend<'crm.record.sidebar'>(({ context, actions }) => <KustiqCard context={context} actions={actions} />);
