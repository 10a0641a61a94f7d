import type { SQL } from 'drizzle-orm';
import type { Db } from './database.js';

/**
 * Run raw SQL (the drizzle `sql` tag) and return its rows, on either driver: postgres.js
 * answers with an array of rows, PGlite with `{ rows }`.
 */
export async function rows<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
