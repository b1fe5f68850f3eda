import { describe, expect, it } from 'vitest';
import { StatusReader, type StatementRunner } from '../../server/card/status-reader';

/**
 * The card's reads are batched per event-loop turn. What a rep would notice if this were
 * wrong: a card showing another record's state, or a card spinning forever when the
 * database fails. The real statement runs in card-backend.test.tsx.
 */
describe('StatusReader', () => {
  const echo = (calls: unknown[][]): StatementRunner => async (_name, _text, values) => {
    calls.push(values);
    const [conns, ids] = values as [string[], string[]];
    // Postgres may return rows in any order: the reader answers by ordinality.
    return ids.map((id, i) => ({ i: String(i + 1), found: true, written_at: null, write_error: `for ${conns[i]}/${id}`, sync: null })).reverse();
  };

  it('reads asked in the same turn go out together, and each gets its own row', async () => {
    const calls: unknown[][] = [];
    const reader = new StatusReader(echo(calls));
    const rows = await Promise.all([reader.read('c1', 'companies', '1'), reader.read('c2', 'companies', '2'), reader.read('c1', 'contacts', '3'), reader.read('c1', 'companies', '1')]);
    expect(rows.map((r) => r.write_error)).toEqual(['for c1/1', 'for c2/2', 'for c1/3', 'for c1/1']);
    expect(calls).toEqual([[['c1', 'c2', 'c1'], ['1', '2', '1']], [['c1'], ['3']]]);
    // A later turn is a new batch.
    await reader.read('c3', 'companies', '9');
    expect(calls).toHaveLength(3);
  });

  it('large turns are split into batches of at most maxBatch', async () => {
    const calls: unknown[][] = [];
    const reader = new StatusReader(echo(calls), 2);
    const rows = await Promise.all(['1', '2', '3', '4', '5'].map((id) => reader.read('c', 'companies', id)));
    expect(rows.map((r) => r.write_error)).toEqual(['for c/1', 'for c/2', 'for c/3', 'for c/4', 'for c/5']);
    expect(calls.map((c) => (c[1] as string[]).length)).toEqual([2, 2, 1]);
  });

  it('a failed statement fails every read of its batch, and a row that never came back fails its read: no card waits forever', async () => {
    const failing = new StatusReader(async () => { throw new Error('database down'); });
    const reads = [failing.read('c', 'companies', '1'), failing.read('c', 'companies', '2')];
    for (const r of reads) await expect(r).rejects.toThrow('database down');
    const short = new StatusReader(async () => [{ i: '1', found: false, written_at: null, write_error: null, sync: null }]);
    const [first, second] = await Promise.allSettled([short.read('c', 'companies', '1'), short.read('c', 'companies', '2')]);
    expect(first.status).toBe('fulfilled');
    expect(second).toMatchObject({ status: 'rejected', reason: { message: 'card status: no row for companies 2' } });
  });
});
