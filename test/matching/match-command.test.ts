import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KUSTIQ_BIN } from '../../bench/spawn-emulator';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kustiq-match-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};
function kustiq(args: string[]) {
  const r = spawnSync(process.execPath, [KUSTIQ_BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('kustiq match (offline) and kustiq profiles sample', () => {
  it('prints one JSON line per company, in input order, as interfaces.md says', () => {
    const profiles = file('profiles.csv', 'id,name,domain,aliases,industry,tech_stack\np1,Walmart,walmart.com,,retail,aws;stripe\np2,Meta,meta.com,Facebook;Meta Platforms,internet,\n');
    const companies = file('companies.jsonl', [
      { id: 'c1', name: 'Wal-Mart Stores, Inc.', domain: 'https://www.walmart.com/' },
      { id: 'c2', name: 'Walmart', domain: '' },
      { id: 'c3', name: 'Walmart', domain: 'gmail.com' },
      { id: 'c4', name: 'Facebook Inc', domain: 'fb.com' },
      { id: 'c5', name: 'Nothing Alike GmbH', domain: 'nothing-alike.de' },
    ].map((r) => JSON.stringify(r)).join('\n'));
    const r = kustiq(['match', '--profiles', profiles, '--companies', companies]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.id, l.status, l.profileId, l.method, l.reason])).toEqual([
      ['c1', 'matched', 'p1', 'domain', null],
      ['c2', 'skipped', null, null, 'ERR_DOMAIN_EMPTY'],
      ['c3', 'review', 'p1', 'name', 'ERR_MATCH_LOW'],
      ['c4', 'matched', 'p2', 'name', null],
      ['c5', 'unmatched', null, null, 'ERR_MATCH_LOW'],
    ]);
    for (const l of lines) {
      expect(Object.keys(l).sort()).toEqual(['candidates', 'confidence', 'id', 'method', 'profileId', 'reason', 'status']);
      expect(l.confidence).toBeGreaterThanOrEqual(0);
      expect(l.confidence).toBeLessThanOrEqual(100);
    }
    expect(lines[2].confidence).toBeLessThan(80);
  });

  it('refuses a profile file with bad rows, naming file, line and field for every problem', () => {
    const bad = file('bad.csv', 'id,name,domain,industry,colour\np1,Walmart,walmart.com,retail,blue\n,NoId,noid.com,,\np3,Bad Industry,bad.com,space_mining,\np4,No Domain,,,\n');
    const r = kustiq(['match', '--profiles', bad, '--companies', file('c.csv', 'id,name,domain\nc1,Walmart,walmart.com\n')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${bad}:2: colour: unknown column`);
    expect(r.stderr).toContain(`${bad}:3: id: required`);
    expect(r.stderr).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4: industry: "space_mining" is not one of`));
    expect(r.stderr).toContain(`${bad}:5: domain: required`);
    expect(r.stdout).toBe('');
  });

  it('writes the sample graph that the matcher then reads, with --out and a summary', () => {
    const graph = path.join(dir, 'graph.jsonl');
    const s = kustiq(['profiles', 'sample', '--count', '600', '--out', graph, '--json']);
    expect(s.status, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout)).toEqual({ profiles: 600, out: graph });
    const first = JSON.parse(fs.readFileSync(graph, 'utf8').split('\n')[0]!);
    expect(first).toMatchObject({ id: 'f500-1', name: 'Walmart', domain: 'walmart.com', sample: true, headcount_band: '10001_plus', revenue_band: 'gt_10b', hq_country: 'US' });
    const csv = path.join(dir, 'graph.csv');
    expect(kustiq(['profiles', 'sample', '--count', '600', '--out', csv]).status).toBe(0);
    const companies = file('hub.csv', 'id,name,domain\n1,Apple Inc.,WWW.APPLE.COM\n2,Northwind Labs,northwindlabs.com\n');
    const out = path.join(dir, 'out.jsonl');
    const m = kustiq(['match', '--profiles', csv, '--companies', companies, '--out', out, '--json']);
    expect(m.status, m.stderr).toBe(0);
    expect(JSON.parse(m.stdout)).toMatchObject({ profiles: 600, companies: 2, matched: 2 });
    expect(fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l).profileId)).toEqual(['f500-4', 'gen-0']);
  });
});
