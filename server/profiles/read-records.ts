import fs from 'node:fs';
import { parse } from 'csv-parse/sync';

/**
 * Streams CSV (header row) or JSONL records with their 1-based line numbers, in bounded
 * memory. The format comes from the extension (.csv, .jsonl/.ndjson/.json).
 *
 * Bytes are decoded strictly as UTF-8, never replaced: a field that is not valid UTF-8,
 * a value holding a NUL character (Postgres text cannot), an unpaired surrogate from a
 * JSON escape, or a record larger than MAX_RECORD_BYTES is a problem of that record, named
 * by line and field. With `rowProblems`, such records are yielded with their `problems`
 * (the profile import rejects them like any bad row); without, the first one stops the read
 * with a FileFormatError. A structural problem (broken CSV quoting, a line that is not a
 * JSON object, a record with more or fewer fields than the header) stops the read either way.
 */
export interface RecordProblem {
  field: string;
  problem: string;
}

export interface FileRecord {
  line: number;
  record: Record<string, unknown>;
  /** Only with `rowProblems`: why this record cannot be used (its `record` then holds what could be read, for a rejects file). */
  problems?: RecordProblem[];
}

/** A record (a JSONL line; a CSV record, with its quoted line breaks) may hold at most this many bytes. */
export const MAX_RECORD_BYTES = 64 * 1024;
/** Names the whole record when no one field can be blamed. */
export const WHOLE_RECORD = '(record)';

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

// ---- bytes to lines ---------------------------------------------------------------------

interface RawLine {
  line: number;
  /** Without its line break (LF, or CRLF); empty when tooLong. */
  bytes: Buffer;
  tooLong: boolean;
  /** How many `"` the line holds (counted even when it is too long to keep). */
  quotes: number;
}

const EMPTY = Buffer.alloc(0);
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const REPLACEMENT = Buffer.from('\uFFFD');

/** Physical lines as bytes; a line past `cap` is counted and skipped without being held in memory. */
async function* rawLines(file: string, cap: number): AsyncGenerator<RawLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let quotes = 0;
  let line = 0;
  let first = true;
  const take = (): RawLine => {
    line++;
    let bytes = tooLong ? EMPTY : parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    if (bytes.length && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    const out = { line, bytes, tooLong, quotes };
    parts = [];
    size = 0;
    tooLong = false;
    quotes = 0;
    return out;
  };
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 256 * 1024 })) {
    let buf = chunk as Buffer;
    if (first) {
      first = false;
      if (buf.subarray(0, 3).equals(BOM)) buf = buf.subarray(3);
    }
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, start);
      const end = nl === -1 ? buf.length : nl;
      for (let at = buf.indexOf(0x22, start); at !== -1 && at < end; at = buf.indexOf(0x22, at + 1)) quotes++;
      if (!tooLong && end > start) {
        // +1: a CR before the LF is not part of the record.
        if (size + (end - start) > cap + 1) {
          tooLong = true;
          parts = [];
          size = 0;
        } else {
          parts.push(buf.subarray(start, end));
          size += end - start;
        }
      }
      if (nl === -1) break;
      yield take();
      start = nl + 1;
    }
  }
  if (size > 0 || tooLong) yield take();
}

// ---- strict decoding ----------------------------------------------------------------------

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const UNPAIRED = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Offset of the first byte that does not start a well-formed UTF-8 sequence (Unicode 15, table 3-7). */
export function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    if (c < 0x80) { i++; continue; }
    let n = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) { n = 2; if (c === 0xe0) lo = 0xa0; if (c === 0xed) hi = 0x9f; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 3; if (c === 0xf0) lo = 0x90; if (c === 0xf4) hi = 0x8f; }
    else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}

const hex = (n: number) => `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;

function invalidUtf8(b: Uint8Array, offsetBase = 0): string {
  const at = firstInvalidUtf8(b);
  return at < 0 ? 'is not valid UTF-8' : `is not valid UTF-8 (byte ${hex(b[at]!)} at byte ${offsetBase + at + 1}); save the file as UTF-8`;
}

/** Problems of one decoded value (and any string inside it): NUL characters and unpaired surrogates, both refused by Postgres. */
function valueProblem(v: unknown, depth = 0): string | null {
  if (typeof v === 'string') {
    if (v.includes('\u0000')) return 'contains a NUL character (U+0000), which Postgres cannot store';
    if (UNPAIRED.test(v)) return 'contains an unpaired UTF-16 surrogate (a broken \\u escape), not valid Unicode';
    return null;
  }
  if (v === null || typeof v !== 'object' || depth > 20) return null;
  for (const [k, x] of Object.entries(v)) {
    const p = valueProblem(k, depth + 1) ?? valueProblem(x, depth + 1);
    if (p) return p;
  }
  return null;
}

const tooLongProblem = (): RecordProblem => ({
  field: WHOLE_RECORD,
  problem: `is larger than ${MAX_RECORD_BYTES / 1024} KB (${MAX_RECORD_BYTES} bytes), the most one record may hold`,
});

// ---- the reader -----------------------------------------------------------------------------

export async function* readRecords(file: string, opts: { rowProblems?: boolean } = {}): AsyncGenerator<FileRecord> {
  if (!fs.existsSync(file)) throw new FileFormatError(file, 0, 'file not found');
  const source = formatOf(file) === 'csv' ? csvRecords(file) : jsonlRecords(file);
  for await (const r of source) {
    if (r.problems?.length && !opts.rowProblems) {
      const p = r.problems[0]!;
      throw new FileFormatError(file, r.line, `${p.field}: ${p.problem}`);
    }
    yield r;
  }
}

async function* jsonlRecords(file: string): AsyncGenerator<FileRecord> {
  for await (const { line, bytes: raw, tooLong } of rawLines(file, MAX_RECORD_BYTES)) {
    if (tooLong) { yield { line, record: {}, problems: [tooLongProblem()] }; continue; }
    if (raw.every((c) => c === 0x20 || c === 0x09)) continue;
    let text: string;
    let decodeProblem: string | null = null;
    try {
      text = strict.decode(raw);
    } catch {
      decodeProblem = invalidUtf8(raw);
      text = lenient.decode(raw);
    }
    // A raw NUL is not JSON; as the escape it stands for, it is named with its field below.
    const hasNul = text.includes('\u0000');
    if (hasNul) text = text.replaceAll('\u0000', '\\u0000');
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (err) {
      if (decodeProblem || hasNul) {
        yield { line, record: {}, problems: [{ field: WHOLE_RECORD, problem: decodeProblem ?? 'contains a NUL character (U+0000), which Postgres cannot store' }] };
        continue;
      }
      throw new FileFormatError(file, line, `not valid JSON: ${(err as Error).message}`);
    }
    if (!record || typeof record !== 'object' || Array.isArray(record)) throw new FileFormatError(file, line, 'each line must be a JSON object');
    const problems: RecordProblem[] = [];
    if (decodeProblem) {
      // The fields whose text came out with replacement characters (when the line had none of its own).
      const blamed = raw.includes(REPLACEMENT) ? [] : Object.entries(record).filter(([k, v]) => `${k}${typeof v === 'string' ? v : JSON.stringify(v)}`.includes('\uFFFD')).map(([k]) => k);
      if (blamed.length) for (const k of blamed) problems.push({ field: k, problem: decodeProblem });
      else problems.push({ field: WHOLE_RECORD, problem: decodeProblem });
    }
    for (const [k, v] of Object.entries(record)) {
      const p = valueProblem(k) ?? valueProblem(v);
      if (p && !problems.some((x) => x.field === k)) problems.push({ field: k.replaceAll('\u0000', '\\u0000'), problem: p });
    }
    yield { line, record: record as Record<string, unknown>, ...(problems.length ? { problems } : {}) };
  }
}

interface PendingRecord { line: number; parts: Buffer[]; size: number; quotes: number; tooLong: boolean }

/** CSV records from physical lines: a record ends on a line that closes every quote it opened. */
async function* csvRawRecords(file: string): AsyncGenerator<PendingRecord> {
  let pending: PendingRecord | null = null;
  for await (const l of rawLines(file, MAX_RECORD_BYTES)) {
    if (!pending) {
      if (!l.tooLong && l.bytes.length === 0) continue;
      pending = { line: l.line, parts: [], size: 0, quotes: 0, tooLong: false };
    }
    if (l.tooLong || pending.tooLong || pending.size + l.bytes.length > MAX_RECORD_BYTES) {
      // Past the cap: its bytes are dropped, its quotes still counted to find where it ends.
      pending.tooLong = true;
      pending.parts = [];
    } else {
      pending.parts.push(l.bytes);
      pending.size += l.bytes.length + 1;
    }
    pending.quotes += l.quotes;
    if (pending.quotes % 2 === 0) {
      yield pending;
      pending = null;
    }
  }
  if (pending?.tooLong) throw new FileFormatError(file, pending.line, 'a quoted field opened on this line is never closed');
  // Not too long: CSV parsing says what is wrong with it.
  if (pending) yield pending;
}

const recordBytes = (r: PendingRecord) => Buffer.concat(r.parts.flatMap((p) => [p, Buffer.from('\n')]));

/** Parses records' bytes into fields (bytes, decoded afterwards); a CSV error names the record's line. */
function parseFields(file: string, records: PendingRecord[]): Uint8Array[][] {
  const opts = { encoding: null, relax_column_count: true, skip_empty_lines: false, record_delimiter: '\n' } as const;
  try {
    const rows = parse(Buffer.concat(records.map(recordBytes)), opts) as unknown as Uint8Array[][];
    if (rows.length === records.length) return rows;
  } catch { /* found record by record below */ }
  return records.map((r) => {
    try {
      const rows = parse(recordBytes(r), opts) as unknown as Uint8Array[][];
      if (rows.length !== 1) throw new Error('a quoted field is not closed');
      return rows[0]!;
    } catch (err) {
      throw new FileFormatError(file, r.line, (err as Error).message.replace(/ at line \d+/, ''));
    }
  });
}

const BATCH = 500;

async function* csvRecords(file: string): AsyncGenerator<FileRecord> {
  let columns: string[] | null = null;
  let batch: PendingRecord[] = [];
  const flush = function* (): Generator<FileRecord> {
    const parseable = batch.filter((r) => !r.tooLong);
    const fields = parseable.length ? parseFields(file, parseable) : [];
    let i = 0;
    for (const r of batch) {
      if (r.tooLong) {
        if (!columns) throw new FileFormatError(file, r.line, `header ${tooLongProblem().problem}`);
        yield { line: r.line, record: {}, problems: [tooLongProblem()] };
        continue;
      }
      const row = fields[i++]!;
      if (!columns) {
        columns = row.map((f, k) => {
          try {
            return strict.decode(f).trim();
          } catch {
            throw new FileFormatError(file, r.line, `header column ${k + 1} ${invalidUtf8(f)}`);
          }
        });
        continue;
      }
      if (row.length !== columns.length) {
        throw new FileFormatError(file, r.line, `has ${row.length} field(s), the header has ${columns.length}`);
      }
      const record: Record<string, string> = {};
      const problems: RecordProblem[] = [];
      row.forEach((f, k) => {
        const field = columns![k]!;
        let value: string;
        try {
          value = strict.decode(f);
        } catch {
          problems.push({ field, problem: invalidUtf8(f) });
          value = lenient.decode(f);
        }
        const p = valueProblem(value);
        if (p) problems.push({ field, problem: p });
        record[field] = value;
      });
      yield { line: r.line, record, ...(problems.length ? { problems } : {}) };
    }
    batch = [];
  };
  for await (const r of csvRawRecords(file)) {
    batch.push(r);
    // The header alone first: the records after it are read against its columns.
    if (!columns || batch.length >= BATCH) yield* flush();
  }
  yield* flush();
}
