import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Cooperative yielding for long synchronous loops: a loop that checks `due()` per item and
 * awaits `yield()` when it is true gives the event loop back every `budgetMs` of work,
 * whatever one item costs under the current load (a fixed item count blocks for 2 ms on an
 * idle machine and for 50 ms on a loaded one). What waits behind the loop (an interactive
 * run's frame, a socket read) then waits for one slice at most.
 */
export class TimeSlice {
  private start = performance.now();

  constructor(private readonly budgetMs = 3) {}

  /** True once this slice has used its budget. */
  due(): boolean {
    return performance.now() - this.start >= this.budgetMs;
  }

  /** Let the event loop run (timers, I/O), then start a new slice. */
  async yield(): Promise<void> {
    await nextTurn();
    this.start = performance.now();
  }
}
