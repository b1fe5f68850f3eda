import { Client } from '@hubspot/api-client';

/**
 * The official client, pointed at HubSpot or at the local HubSpot (basePath). No retries
 * by default (callers that need them say so; the client waits 10 s on a ten-secondly 429).
 */
export function hubspotClient(accessToken: string, baseUrl: string, retries = 0, onResponse?: (headers: Record<string, string>) => void): Client {
  const middleware = onResponse ? [{
    pre: (ctx: unknown) => ctx,
    post: (ctx: unknown) => { onResponse((ctx as { headers?: Record<string, string> }).headers ?? {}); return ctx; },
  }] : undefined;
  return new Client({ accessToken, basePath: baseUrl, numberOfApiCallRetries: retries, ...(middleware ? { middleware } : {}) });
}
