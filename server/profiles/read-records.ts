import fs from 'node:fs';
import readline from 'node:readline';
import { parse } from 'csv-parse';

/**
 * Streams CSV (header row) or JSONL records with their 1-based line numbers, in bounded
 * memory. The format comes from the extension (.csv, .jsonl/.ndjson/.json).
 */
export interface FileRecord {
  line: number;
  record: Record<string, unknown>;
}

export class FileFormatError extends Error {
  constructor(readonly file: string, readonly line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'FileFormatError';
  }
}

export function formatOf(file: string): 'csv' | 'jsonl' {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(jsonl|ndjson|json)$/i.test(file)) return 'jsonl';
  throw new FileFormatError(file, 0, 'unknown file type: use .csv or .jsonl');
}

export async function* readRecords(file: string): AsyncGenerator<FileRecord> {
  if (!fs.existsSync(file)) throw new FileFormatError(file, 0, 'file not found');
  if (formatOf(file) === 'csv') {
    const parser = fs.createReadStream(file).pipe(parse({ columns: (h: string[]) => h.map((c) => c.trim()), bom: true, skip_empty_lines: true, info: true, relax_column_count: false }));
    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
        yield { line: info.lines, record };
      }
    } catch (err) {
      const e = err as Error & { lines?: number };
      throw new FileFormatError(file, e.lines ?? 0, e.message);
    }
    return;
  }
  const rl = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (!text.trim()) continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (err) {
      throw new FileFormatError(file, line, `not valid JSON: ${(err as Error).message}`);
    }
    if (!record || typeof record !== 'object' || Array.isArray(record)) throw new FileFormatError(file, line, 'each line must be a JSON object');
    yield { line, record: record as Record<string, unknown> };
  }
}
