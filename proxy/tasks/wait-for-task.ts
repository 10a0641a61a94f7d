import { sql } from 'drizzle-orm';
import { rows, type Db } from '../../db/index.js';
import type { TaskNotifier } from '../lifecycle/task-notifier.js';

/** Options of {@link waitForTask}. */
export interface WaitForTaskOptions {
  /** Give up at this epoch ms. */
  until: number;
  /** Re-check at least this often, for results committed by another proxy, ms; default 200. */
  pollMs?: number;
  /**
   * Whether the task is done; default: none of its runs is open (one query). A caller that
   * needs the task's state anyway passes a check that reads it, so that the wake-up after the
   * last commit costs no query of its own.
   */
  check?: () => Promise<boolean>;
}

/**
 * Wait until every run of the task is terminal (true) or `until` passes (false). Woken by the
 * local results consumer right after its commit; polls as a fallback.
 */
export async function waitForTask(db: Db, notifier: TaskNotifier, taskId: string, options: WaitForTaskOptions): Promise<boolean> {
  const pollMs = options.pollMs ?? 200;
  const check = options.check ?? (async () => {
    const [r] = await rows<{ open: boolean }>(
      db,
      sql`select exists (select 1 from task_runs where task_id = ${taskId} and state in ('RECEIVED', 'DISPATCHED', 'RUNNING')) as open`,
    );
    return !r?.open;
  });
  for (;;) {
    const wake = notifier.next(taskId);
    try {
      if (await check()) return true;
      const left = options.until - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([wake.promise, new Promise<void>((r) => (timer = setTimeout(r, Math.min(pollMs, left))))]);
      clearTimeout(timer);
    } finally {
      wake.cancel();
    }
  }
}
