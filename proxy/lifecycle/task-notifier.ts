/**
 * In-process wake-ups for requests waiting on a task (`wait`): the results consumer calls
 * {@link TaskNotifier.notify} after each commit with the tasks it touched. Waiters also poll,
 * so a result committed by another proxy is seen too, only a little later.
 */
export class TaskNotifier {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Resolve on the next notification for `taskId`; call `cancel` when no longer interested. */
  next(taskId: string): { promise: Promise<void>; cancel(): void } {
    let set = this.waiters.get(taskId);
    if (!set) this.waiters.set(taskId, (set = new Set()));
    let wake!: () => void;
    const promise = new Promise<void>((resolve) => (wake = resolve));
    set.add(wake);
    const cancel = () => {
      const s = this.waiters.get(taskId);
      s?.delete(wake);
      if (s && s.size === 0) this.waiters.delete(taskId);
    };
    return { promise: promise.finally(cancel), cancel };
  }

  /** True when someone in this process waits on the task (its messages go first). */
  has(taskId: string): boolean {
    return this.waiters.has(taskId);
  }

  /** Wake every waiter of these tasks. */
  notify(taskIds: Iterable<string>): void {
    for (const id of taskIds) {
      const set = this.waiters.get(id);
      if (!set) continue;
      for (const w of [...set]) w();
    }
  }
}
