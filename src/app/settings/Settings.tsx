import { useEffect, useState } from 'react';
import { Alert, DescriptionList, DescriptionListItem, Flex, Heading, hubspot, Link, LoadingSpinner, StatusTag, Text } from '@hubspot/ui-extensions';
import { readAnswer } from './proxy-answer';

/**
 * Kustiq's page in HubSpot's app settings: the connection, the last sync, how many
 * companies wait in review, and the way to the Kustiq dashboard (where syncs, review,
 * ICP and webhooks are managed). Read from the backend through hubspot.fetch, signed.
 */
export const BACKEND = 'https://app.kustiq.com';

export interface SettingsView {
  connection: { status: string; portalId: number; hubDomain: string | null; connectedAt: string | null; scopes: string[] };
  lastSyncAt: string | null;
  reviewQueue: number;
  dashboardUrl: string;
  reviewUrl: string;
}

export function SettingsPage() {
  const [view, setView] = useState<SettingsView | null>(null);
  const [problem, setProblem] = useState<{ title: string; message: string } | null>(null);
  useEffect(() => {
    let live = true;
    hubspot.fetch(`${BACKEND}/card/v1/settings`, { method: 'GET', timeout: 10_000 }).then(
      async (res) => {
        // Read through HubSpot's proxy envelope (a 3xx–5xx of the backend arrives inside it): see proxy-answer.ts.
        const answer = readAnswer<SettingsView>(res.status, await res.json().catch(() => ({})));
        if (!live) return;
        if (answer.ok) setView(answer.body);
        else setProblem({ title: answer.error.code ? `Kustiq: ${answer.error.code}` : 'Kustiq answered with an error', message: answer.error.message });
      },
      () => {
        if (live) setProblem({ title: 'Kustiq could not be reached', message: 'Try again in a moment.' });
      },
    );
    return () => {
      live = false;
    };
  }, []);
  if (problem) return <Alert title={problem.title} variant="danger" testId="settings-problem">{problem.message}</Alert>;
  if (!view) return <LoadingSpinner label="Loading Kustiq settings" />;
  const connected = view.connection.status === 'connected';
  return (
    <Flex direction="column" gap="md">
      <Heading>Kustiq</Heading>
      <StatusTag variant={connected ? 'success' : 'danger'} testId="connection">{connected ? 'Connected' : 'Disconnected'}</StatusTag>
      <DescriptionList direction="row">
        <DescriptionListItem label="Portal">
          <Text>{view.connection.hubDomain ?? String(view.connection.portalId)}</Text>
        </DescriptionListItem>
        <DescriptionListItem label="Last sync">
          <Text testId="last-sync">{view.lastSyncAt ? new Date(view.lastSyncAt).toUTCString() : 'Never'}</Text>
        </DescriptionListItem>
        <DescriptionListItem label="Waiting in review">
          <Text testId="review-queue">{`${view.reviewQueue} companies`}</Text>
        </DescriptionListItem>
      </DescriptionList>
      <Text>
        Syncs, the review queue, your ICP and webhooks are managed in the{' '}
        <Link href={{ url: view.dashboardUrl, external: true }} testId="dashboard-link">Kustiq dashboard</Link>
        {view.reviewQueue > 0 ? (
          <>
            {' '}(<Link href={{ url: view.reviewUrl, external: true }}>review {view.reviewQueue} matches</Link>)
          </>
        ) : null}
        .
      </Text>
    </Flex>
  );
}

hubspot.extend<'settings'>(() => <SettingsPage />);
