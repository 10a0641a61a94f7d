// Migration 0006 moved run histories from the task_events table into task_runs.history. A
// database written by an older Starling (migrated up to 0005, with event rows) must come out of
// the upgrade with every run's history intact and in order, on both backends.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, migrate, openDatabase, rows, type Database } from '../db/index.js';
import { createScratchPostgres } from './helpers/db.js';

/** A copy of the migrations folder whose journal stops before `tag`. */
function migrationsBefore(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'starling-migrations-'));
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
  const at = journal.entries.findIndex((e) => e.tag.startsWith(tag));
  expect(at).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, at);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

const oldFolder = migrationsBefore('0006_');
afterAll(() => rmSync(oldFolder, { recursive: true, force: true }));

async function migrateOld(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    const { migrate: m } = await import('drizzle-orm/pglite/migrator');
    await m(database.db as never, { migrationsFolder: oldFolder });
  } else {
    const { migrate: m } = await import('drizzle-orm/postgres-js/migrator');
    await m(database.db as never, { migrationsFolder: oldFolder });
  }
}

const backends: Array<{ name: string; open(): Promise<{ database: Database; drop(): Promise<void> }> }> = [
  { name: 'pglite', open: async () => ({ database: await openDatabase({ dataDir: null }), drop: async () => {} }) },
  {
    name: 'postgres',
    open: async () => {
      const scratch = await createScratchPostgres();
      return { database: await openDatabase({ url: scratch.url, maxConnections: 2 }), drop: scratch.drop };
    },
  },
];

describe.each(backends)('migration 0006 on $name', (backend) => {
  it('moves every event row into its run history, in order, and drops task_events', async () => {
    const { database, drop } = await backend.open();
    try {
      await migrateOld(database);
      const db = database.db;
      const task = '01900000-0000-7000-8000-000000000001';
      const [a, b] = ['01900000-0000-7000-8000-00000000000a', '01900000-0000-7000-8000-00000000000b'];
      await db.execute(sql`insert into tasks (id, command, timeout_ms, lane, target_count, deadline_at)
        values (${task}, 'true', 1000, 'interactive', 2, now())`);
      await db.execute(sql`insert into task_runs (id, task_id, target, state, deadline_at) values
        (${a}, ${task}, 'host-a', 'SUCCEEDED', now()), (${b}, ${task}, 'host-b', 'REJECTED', now())`);
      // Inserted out of time order on purpose: the order is the event id, as older versions read it.
      await db.execute(sql`insert into task_events (run_id, task_id, state, at, detail) values
        (${a}, ${task}, 'RECEIVED', '2026-01-01T00:00:00Z', null),
        (${a}, ${task}, 'DISPATCHED', '2026-01-01T00:00:01Z', '{"channelId": "ch-1", "attempt": 1}'),
        (${b}, ${task}, 'REJECTED', '2026-01-01T00:00:01Z', '{"code": "PROXY-USR-TARGET_NOT_FOUND"}'),
        (${a}, ${task}, 'RUNNING', '2026-01-01T00:00:02Z', '{"channelId": "ch-1"}'),
        (${a}, ${task}, 'SUCCEEDED', '2026-01-01T00:00:03Z', null)`);

      await migrate(database);

      const runs = await rows<{ id: string; history: unknown }>(db, sql`select id, history from task_runs order by id`);
      const history = (h: unknown) => (typeof h === 'string' ? JSON.parse(h) : h) as Array<{ state: string; at: string; detail: unknown }>;
      const ha = history(runs[0]!.history);
      expect(ha.map((e) => e.state)).toEqual(['DISPATCHED', 'RUNNING', 'SUCCEEDED']);
      expect(ha.map((e) => new Date(e.at).toISOString())).toEqual(['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z', '2026-01-01T00:00:03.000Z']);
      expect(ha[0]!.detail).toEqual({ channelId: 'ch-1', attempt: 1 });
      expect(history(runs[1]!.history)).toEqual([{ state: 'REJECTED', at: expect.any(String), detail: { code: 'PROXY-USR-TARGET_NOT_FOUND' } }]);
      const [gone] = await rows<{ t: string | null }>(db, sql`select to_regclass('task_events')::text as t`);
      expect(gone!.t).toBeNull();
    } finally {
      await database.close();
      await drop();
    }
  }, 60_000);
});
