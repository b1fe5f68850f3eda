import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';

export interface Fortune500Company {
  rank: number;
  name: string;
  industry: string;
  city: string;
  state: string;
  domain: string;
  employees: number;
  revenueUsd: number;
  ceo: string;
}

export const FORTUNE500_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data/fortune500-2025.csv');

let cached: Fortune500Company[] | null = null;

/** The real companies of data/fortune500-2025.csv (rank, name, domain, employees, revenue, HQ). */
export function fortune500(): Fortune500Company[] {
  if (cached) return cached;
  const rows = parse(fs.readFileSync(FORTUNE500_PATH, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  cached = rows.map((r, i) => {
    const num = (s: string | undefined) => Number(String(s ?? '').replace(/[^0-9.]/g, '')) || 0;
    const rank = num(r.Rank);
    if (!r.Company || !rank) throw new Error(`${FORTUNE500_PATH}:${i + 2}: Company/Rank missing`);
    return {
      rank, name: r.Company, industry: r.Industry ?? '', city: r.City ?? '', state: r.State ?? '',
      domain: (r.Website ?? '').toLowerCase(), employees: num(r.Employees), revenueUsd: num(r.Revenue), ceo: r.CEO ?? '',
    };
  });
  return cached;
}
