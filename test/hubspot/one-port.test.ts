import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** One HubSpot port: only server/hubspot/port.ts builds an @hubspot/api-client Client. */
describe('the HubSpot port', () => {
  it('is the only module of the product that imports @hubspot/api-client', () => {
    const root = path.resolve(__dirname, '../..');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) { if (e.name !== 'node_modules') walk(p); } else if (/\.(ts|tsx|js|cjs|mjs)$/.test(e.name)) files.push(p);
      }
    };
    for (const dir of ['server', 'bench', 'bin', 'src']) if (fs.existsSync(path.join(root, dir))) walk(path.join(root, dir));
    expect(files.length).toBeGreaterThan(50);
    const importers = files.filter((f) => /from\s+['"]@hubspot\/api-client['"]|require\(\s*['"]@hubspot\/api-client['"]\s*\)|import\(\s*['"]@hubspot\/api-client['"]\s*\)/.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(root, f));
    expect(importers).toEqual(['server/hubspot/port.ts']);
  });
});
