import { Client } from '@hubspot/api-client';

/** The official client, pointed at HubSpot or at the local HubSpot (basePath). Retries are ours. */
export function hubspotClient(accessToken: string, baseUrl: string): Client {
  return new Client({ accessToken, basePath: baseUrl, numberOfApiCallRetries: 0 });
}
