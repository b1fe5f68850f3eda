import type { Knex } from 'knex';
import { IcpDefinition } from './icp-definition';
import { normalizeDomain } from '../matching/domain';
import type { ProfileValues } from './score';

/** A workspace's saved ICP, or null when none is defined (then no fit values are written). */
export async function loadIcp(knex: Knex, workspaceId: string): Promise<{ definition: IcpDefinition; version: number; updatedAt: Date } | null> {
  const row = await knex('icp_definitions').where({ workspace_id: workspaceId }).first();
  if (!row) return null;
  return { definition: IcpDefinition.parse(row.definition), version: row.version, updatedAt: row.updated_at };
}

export async function saveIcp(knex: Knex, workspaceId: string, userId: string | null, definition: IcpDefinition): Promise<number> {
  const [row] = await knex('icp_definitions')
    .insert({ workspace_id: workspaceId, definition: JSON.stringify(definition), updated_by: userId, version: 1 })
    .onConflict('workspace_id')
    .merge({ definition: JSON.stringify(definition), updated_by: userId, updated_at: knex.fn.now(), version: knex.raw('icp_definitions.version + 1') })
    .returning('version');
  return row.version;
}

/** The profiles on the given domains (lookalike customers), and the domains the graph does not know. */
export async function profilesForDomains(knex: Knex, rawDomains: string[]): Promise<{ values: ProfileValues[]; found: string[]; notFound: string[] }> {
  const domains = [...new Set(rawDomains.map((d) => normalizeDomain(d).domain).filter((d): d is string => !!d))];
  const rows: { domain: string; values: ProfileValues }[] = domains.length ? await knex('profiles').whereRaw('domain = ANY(?::text[])', [domains]).select('domain', 'values') : [];
  const byDomain = new Map(rows.map((r) => [r.domain, r.values]));
  return { values: [...byDomain.values()], found: [...byDomain.keys()], notFound: domains.filter((d) => !byDomain.has(d)) };
}
