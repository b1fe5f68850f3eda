import { IcpDefinition } from '../server/icp/icp-definition';
import { scoreCompany } from '../server/icp/score';
const icp = IcpDefinition.parse({ tiers: [{ tier: 'A', criteria: [
  { field: 'industry', values: ['software', 'internet'], weight: 5 },
  { field: 'headcount_band', values: ['201_500'], weight: 3 },
  { field: 'tech_stack', mode: 'uses_any', values: ['hubspot'], weight: 3 },
  { field: 'funding_stage', values: ['series_b', 'series_c'], weight: 2 } ] }] });
console.log(scoreCompany(icp, { industry: 'software', headcount_band: '201_500', tech_stack: 'aws;hubspot', funding_stage: 'seed' }));
console.log(scoreCompany(icp, { industry: 'retail', headcount_band: '501_1000', tech_stack: 'aws', funding_stage: 'series_b' }));
const bad = IcpDefinition.safeParse({ tiers: [{ tier: 'A', criteria: [{ field: 'industry', values: ['softwar'], weight: 11 }] }] });
console.log(bad.success || bad.error.issues);
