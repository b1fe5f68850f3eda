import { zodProblems } from '../errors/field-error';
import { z } from 'zod';
import {
  COMPANY_TYPES, FUNDING_STAGES, GTM_MOTIONS, HEADCOUNT_BANDS, HIRING_SIGNALS, INDUSTRIES, REVENUE_BANDS,
} from '../schema/catalog';

/**
 * A workspace's ideal customer profile: up to three tiers (A, B, C), each a list of
 * weighted criteria over catalog values. This module is the one definition of what a
 * valid ICP is; the API, the dashboard form and lookalike mode all go through it.
 */
export const TIERS = ['A', 'B', 'C'] as const;
export type Tier = (typeof TIERS)[number];

const weight = z.number().int('weight must be a whole number').min(1, 'weight must be 1–10').max(10, 'weight must be 1–10');
const nonEmpty = <T extends z.ZodTypeAny>(item: T) => z.array(item).min(1, 'pick at least one value').max(64);
/** Technology slugs grow with the graph, so any slug-shaped value is accepted. */
const techSlug = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'a technology slug (lower case, e.g. hubspot)');
const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code (US, DE, ...)');

/** Fields compared by "is one of". */
export const ONE_OF_FIELDS = {
  industry: INDUSTRIES,
  headcount_band: HEADCOUNT_BANDS,
  revenue_band: REVENUE_BANDS,
  funding_stage: FUNDING_STAGES,
  gtm_motion: GTM_MOTIONS,
  company_type: COMPANY_TYPES,
} as const;
export type OneOfField = keyof typeof ONE_OF_FIELDS;

const oneOf = <F extends OneOfField>(field: F) =>
  z.object({
    field: z.literal(field),
    values: nonEmpty(z.enum(ONE_OF_FIELDS[field] as unknown as [string, ...string[]], {
      error: (iss) => `"${String(iss.input)}" is not a ${field} value (one of ${ONE_OF_FIELDS[field].join(', ')})`,
    })),
    weight,
  }).strict();

export const Criterion = z.discriminatedUnion('field', [
  oneOf('industry'), oneOf('headcount_band'), oneOf('revenue_band'), oneOf('funding_stage'), oneOf('gtm_motion'), oneOf('company_type'),
  z.object({ field: z.literal('hq_country'), values: nonEmpty(country), weight }).strict(),
  // Technologies present (any of them) or absent (none of them: a competitor's product).
  z.object({ field: z.literal('tech_stack'), mode: z.enum(['uses_any', 'uses_none']), values: nonEmpty(techSlug), weight }).strict(),
  z.object({ field: z.literal('hiring_signal'), atLeast: z.enum(HIRING_SIGNALS), weight }).strict(),
  z.object({ field: z.literal('employee_growth_6m'), atLeast: z.number().min(-100).max(1000), weight }).strict(),
]);
export type Criterion = z.infer<typeof Criterion>;

export const TierDefinition = z.object({
  tier: z.enum(TIERS),
  name: z.string().trim().max(80).optional(),
  criteria: z.array(Criterion).min(1, 'a tier needs at least one criterion').max(20),
}).strict();
export type TierDefinition = z.infer<typeof TierDefinition>;

export const IcpDefinition = z.object({
  tiers: z.array(TierDefinition).max(3),
}).strict().superRefine((icp, ctx) => {
  const seen = new Set<string>();
  icp.tiers.forEach((t, i) => {
    if (seen.has(t.tier)) ctx.addIssue({ code: 'custom', path: ['tiers', i, 'tier'], message: `tier ${t.tier} is defined twice` });
    seen.add(t.tier);
    const fields = new Set<string>();
    t.criteria.forEach((c, j) => {
      // tech_stack may appear twice (one uses_any, one uses_none); anything else once.
      const key = c.field === 'tech_stack' ? `tech_stack:${c.mode}` : c.field;
      if (fields.has(key)) ctx.addIssue({ code: 'custom', path: ['tiers', i, 'criteria', j, 'field'], message: `${c.field} appears twice in tier ${t.tier}` });
      fields.add(key);
    });
  });
});
export type IcpDefinition = z.infer<typeof IcpDefinition>;

/** An ICP's zod issues as `field: problem` pairs ("tiers.0.criteria.1.values"). */
export function icpProblems(err: z.ZodError): { field: string; problem: string }[] {
  return zodProblems(err, '(icp)');
}
