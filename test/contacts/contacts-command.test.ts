import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KUSTIQ_BIN } from '../../bench/spawn-emulator';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kustiq-contacts-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};
const kustiq = (args: string[]) => spawnSync(process.execPath, [KUSTIQ_BIN, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('kustiq contacts (offline)', () => {
  it('prints the 4 contact properties per row, in input order, as interfaces.md says', () => {
    const input = file('contacts.csv', [
      'id,email,firstname,lastname,jobtitle,company_domain',
      '1,jane.doe@acme.com,Jane,Doe,"SVP, Finance",acme.com',
      '2,info@acme.com,,,Office Manager,acme.com',
      '3,jürgen@gmail.com,Jürgen,Müller,Geschäftsführer,mueller.de',
      '4,not-an-email,,,,',
    ].join('\n'));
    const r = kustiq(['contacts', '--in', input]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { id: '1', kustiq_email_confidence: 100, kustiq_contact_role: 'decision_maker', kustiq_contact_department: 'finance', kustiq_contact_seniority: 'vp' },
      { id: '2', kustiq_email_confidence: 30, kustiq_contact_role: 'gatekeeper', kustiq_contact_department: 'operations', kustiq_contact_seniority: 'manager' },
      { id: '3', kustiq_email_confidence: expect.any(Number), kustiq_contact_role: 'decision_maker', kustiq_contact_department: 'executive', kustiq_contact_seniority: 'c_suite' },
      { id: '4', kustiq_email_confidence: 0, kustiq_contact_role: 'other', kustiq_contact_department: 'other', kustiq_contact_seniority: null },
    ]);
    expect(lines[2].kustiq_email_confidence).toBeLessThan(70);
  });

  it('writes --out and a JSON summary', () => {
    const input = file('c.jsonl', JSON.stringify({ id: 'a', email: 'a.b@x.io', firstname: 'A', lastname: 'B', jobtitle: 'CTO', company_domain: 'x.io' }));
    const out = path.join(dir, 'out.jsonl');
    const r = kustiq(['contacts', '--in', input, '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ contacts: 1, roles: { decision_maker: 1 }, out });
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toMatchObject({ id: 'a', kustiq_contact_department: 'engineering' });
  });

  it('names the file, line and field of a bad row and exits 1', () => {
    const input = file('bad.csv', 'id,email,phone\n1,a@b.com,555\n,c@d.com,\n');
    const r = kustiq(['contacts', '--in', input]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${input}:2: phone: unknown column`);
    expect(r.stderr).toContain(`${input}:3: id: required`);
  });
});
