import type { Knex } from 'knex';
import { z } from 'zod';
import { FieldError } from '../errors/field-error';
import { targetProblem } from './target-guard';

/**
 * A workspace's webhook endpoints: where its events go. At most MAX_ENDPOINTS_PER_WORKSPACE:
 * each endpoint is a stream of attempts the workers make on the workspace's behalf, and
 * one workspace must not be able to multiply them without bound.
 */
export const MAX_ENDPOINTS_PER_WORKSPACE = 10;

export const EVENT_TYPES = ['company.enriched', 'contact.enriched'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const EndpointInput = z.object({
  url: z.string().trim().min(1, 'is required').max(2000, 'is longer than 2000 characters'),
  eventTypes: z.array(z.enum(EVENT_TYPES, { error: () => `must be ${EVENT_TYPES.join(' or ')}` })).min(1, 'choose at least one event type').default([...EVENT_TYPES]),
  enabled: z.boolean().default(true),
  maxConcurrency: z.number().int().min(1, 'must be at least 1').max(64, 'must be at most 64').default(16),
});
export type EndpointInput = z.infer<typeof EndpointInput>;

export interface EndpointView { id: string; url: string; eventTypes: EventType[]; enabled: boolean; maxConcurrency: number; signing: 'current' | 'previous'; createdAt: Date }

const view = (r: Record<string, any>): EndpointView => ({ id: r.id, url: r.url, eventTypes: r.event_types, enabled: r.enabled, maxConcurrency: r.max_concurrency, signing: r.signing, createdAt: r.created_at });

export async function listEndpoints(db: Knex, workspaceId: string): Promise<EndpointView[]> {
  return (await db('webhook_endpoints').where({ workspace_id: workspaceId }).orderBy('created_at')).map(view);
}

export async function saveEndpoint(db: Knex, workspaceId: string, input: unknown, opts: { allowPrivate: boolean; id?: string }): Promise<EndpointView> {
  const e = EndpointInput.parse(input);
  const problem = await targetProblem(e.url, opts.allowPrivate);
  if (problem) throw new FieldError('url', problem);
  const row = { url: e.url, event_types: e.eventTypes, enabled: e.enabled, max_concurrency: e.maxConcurrency };
  if (opts.id) {
    const [r] = await db('webhook_endpoints').where({ id: opts.id, workspace_id: workspaceId }).update(row).returning('*');
    if (!r) throw new FieldError('id', 'no such endpoint in this workspace');
    return view(r);
  }
  return db.transaction(async (trx) => {
    await lockWorkspaceWebhooks(trx, workspaceId);
    const { n } = (await trx('webhook_endpoints').where({ workspace_id: workspaceId }).first(trx.raw('count(*)::int AS n'))) as { n: number };
    if (n >= MAX_ENDPOINTS_PER_WORKSPACE) throw new FieldError('endpoints', `a workspace has at most ${MAX_ENDPOINTS_PER_WORKSPACE} endpoints: delete one before adding another`);
    const [r] = await trx('webhook_endpoints').insert({ workspace_id: workspaceId, ...row }).returning('*');
    return view(r);
  });
}

/** Serialises a workspace's webhook limits (two clicks at once must not both pass a count), without locking any row others use. */
export async function lockWorkspaceWebhooks(trx: Knex.Transaction, workspaceId: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`kustiq.webhooks:${workspaceId}`]);
}

export async function deleteEndpoint(db: Knex, workspaceId: string, id: string): Promise<boolean> {
  return (await db('webhook_endpoints').where({ id, workspace_id: workspaceId }).delete()) > 0;
}
