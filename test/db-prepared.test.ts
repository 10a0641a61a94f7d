import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, rows, type Database, type Db } from '../db/index.js';
import { createScratchPostgres } from './helpers/db.js';

// One connection, so the session whose prepared statements are listed is the one that ran them.
describe('postgres.js behind drizzle prepares small statements, not batches', () => {
  let scratch: Awaited<ReturnType<typeof createScratchPostgres>>;
  let database: Database;
  beforeAll(async () => {
    scratch = await createScratchPostgres('starling_prep');
    database = await openDatabase({ url: scratch.url, maxConnections: 1 });
  });
  afterAll(async () => {
    await database?.close();
    await scratch?.drop();
  });
  const prepared = async (db: Db, marker: string) =>
    (await rows<{ n: number }>(db, sql`select count(*)::int as n from pg_prepared_statements where statement like ${`%${marker}%`} and statement not like '%pg_prepared_statements%'`))[0]!.n;

  it('a statement with a few short parameters is prepared once and reused, in and out of transactions', async () => {
    const db = database.db;
    for (let i = 0; i < 3; i++) {
      expect((await rows<{ x: number }>(db, sql`select ${i}::int + 1 as x /* prep-small */`))[0]!.x).toBe(i + 1);
    }
    expect(await prepared(db, 'prep-small')).toBe(1);
    await db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      expect((await rows<{ x: number }>(t, sql`select ${41}::int + 1 as x /* prep-tx */`))[0]!.x).toBe(42);
      expect(await prepared(t, 'prep-tx')).toBe(1);
    });
  });

  it('nested transactions (savepoints) and the two-argument unsafe(query, options) form work through the wrapper', async () => {
    const db = database.db;
    await db.transaction(async (tx) => {
      await (tx as unknown as typeof db).transaction(async (inner) => {
        const t = inner as unknown as Db;
        expect((await rows<{ x: number }>(t, sql`select ${2}::int * 3 as x /* prep-savepoint */`))[0]!.x).toBe(6);
        expect(await prepared(t, 'prep-savepoint')).toBe(1);
      });
    });
    // drizzle's $client is the wrapped postgres.js client.
    const client = (db as unknown as { $client: { unsafe(q: string, o?: object): Promise<Array<{ x: number }>> } }).$client;
    expect((await client.unsafe('select 7 as x', { simple: true }))[0]!.x).toBe(7);
  });

  it('a statement with a long parameter, or many parameters, is not prepared', async () => {
    const db = database.db;
    const big = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ id: i, note: 'x'.repeat(10) })));
    expect((await rows<{ n: number }>(db, sql`select json_array_length(${big}::json)::int as n /* prep-big */`))[0]!.n).toBe(2000);
    const many = Array.from({ length: 40 }, (_, i) => sql`${i}::int`);
    expect((await rows<{ n: number }>(db, sql`select (${sql.join(many, sql` + `)})::int as n /* prep-many */`))[0]!.n).toBe(780);
    expect(await prepared(db, 'prep-big')).toBe(0);
    expect(await prepared(db, 'prep-many')).toBe(0);
  });
});
