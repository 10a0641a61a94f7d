import { sql, type SQL } from 'drizzle-orm';
import type { Db } from './database.js';
import { rows } from './rows.js';

/**
 * Retention deletes, bounded: run `deleteChunk(limit)` (a DELETE … WHERE id IN (SELECT … LIMIT
 * limit) … RETURNING statement) until it deletes fewer than `chunk` rows, so no statement
 * holds its locks for long, at most `maxChunks` times (a table that grows faster than it is
 * pruned is finished by the next run). Returns how many rows were deleted.
 */
export async function deleteInChunks(
  db: Db, deleteChunk: (limit: number) => SQL,
  options: { chunk?: number; maxChunks?: number; progress?: (deleted: number) => void | Promise<void> } = {},
): Promise<number> {
  const chunk = options.chunk ?? 50_000;
  let total = 0;
  for (let i = 0; i < (options.maxChunks ?? 1000); i++) {
    const [r] = await rows<{ n: number | string }>(db, sql`with gone as (${deleteChunk(chunk)}) select count(*)::int as n from gone`);
    const n = Number(r?.n ?? 0);
    total += n;
    await options.progress?.(total);
    if (n < chunk) break;
  }
  return total;
}
