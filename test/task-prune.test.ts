import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { rows, type Database } from '../db/index.js';
import { pruneTasks } from '../proxy/index.js';
import { uuidv7 } from '../proxy/tasks/uuid-v7.js';
import { testDatabases } from './helpers/db.js';

describe.each(testDatabases())('task retention on $name', ({ open }) => {
  let database: Database | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  it('deletes old finished tasks with all their runs in bounded chunks, and keeps recent tasks and tasks still before their deadline', async () => {
    database = await open();
    const db = database.db;
    const day = 86_400_000;
    const now = Date.now();
    // [age in days, deadline in days from now, runs]
    const specs: Array<[number, number, number]> = [[40, -39, 7], [35, -34, 4], [31, -30.5, 0], [40, +1, 3], [5, -4, 6], [0, 0.01, 2]];
    const ids: string[] = [];
    for (const [age, deadline, runs] of specs) {
      const id = uuidv7();
      ids.push(id);
      await db.execute(sql`insert into tasks (id, command, timeout_ms, lane, target_count, created_at, deadline_at)
        values (${id}, 'true', 1000, 'bulk', ${runs}, ${new Date(now - age * day).toISOString()}::timestamptz, ${new Date(now + deadline * day).toISOString()}::timestamptz)`);
      if (runs) {
        await db.execute(sql`insert into task_runs (id, task_id, target, state, deadline_at, history)
          select gen_random_uuid(), ${id}, 't' || g, 'SUCCEEDED', now(), '[]'::jsonb from generate_series(1, ${runs}::int) g`);
      }
    }
    const before = database.statements;
    const progress: Array<{ runs: number; tasks: number }> = [];
    const deleted = await pruneTasks(database, new Date(now - 30 * day), { chunk: 3, progress: (p) => void progress.push(p) });
    // Tasks 0-2 are older than 30 days and past their deadline: 11 runs, 3 tasks.
    expect(deleted).toEqual({ runs: 11, tasks: 3 });
    // Chunks of 3: four run statements (3, 3, 3, 2), two task statements (3, then 0: a full
    // chunk asks again); never one per row.
    expect(database.statements - before).toBe(6);
    expect(progress.at(-1)).toEqual({ runs: 11, tasks: 3 });
    const left = await rows<{ id: string; runs: number }>(db, sql`
      select t.id, (select count(*)::int from task_runs r where r.task_id = t.id) as runs from tasks t order by t.created_at`);
    expect(left.map((l) => l.id).sort()).toEqual([ids[3], ids[4], ids[5]].sort());
    expect(left.reduce((n, l) => n + l.runs, 0)).toBe(3 + 6 + 2);
    expect(await pruneTasks(database, new Date(now - 30 * day))).toEqual({ runs: 0, tasks: 0 });
  });
});
