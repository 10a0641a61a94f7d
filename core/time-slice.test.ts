import { describe, expect, it } from 'vitest';
import { TimeSlice } from './time-slice.js';

const spin = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('TimeSlice', () => {
  it('is due once its budget is spent, and yield lets a waiting timer run and starts a new slice', async () => {
    const slice = new TimeSlice(5);
    expect(slice.due()).toBe(false);
    let timerRan = false;
    setTimeout(() => (timerRan = true), 0);
    spin(6);
    expect(slice.due()).toBe(true);
    expect(timerRan).toBe(false);
    await slice.yield();
    // setImmediate runs after the poll phase; the 0 ms timer fires in the next loop's timers phase at the latest.
    await slice.yield();
    expect(timerRan).toBe(true);
    expect(slice.due()).toBe(false);
  });

  it('lets timers run in the middle of a long loop, where the same loop without it lets none', async () => {
    const run = async (slice: TimeSlice | null) => {
      let ticks = 0;
      const probe = setInterval(() => ticks++, 1);
      for (let i = 0; i < 60; i++) {
        spin(1);
        if (slice?.due()) await slice.yield();
      }
      const during = ticks;
      clearInterval(probe);
      return during;
    };
    expect(await run(null)).toBe(0);
    // ~60 ms of work in 4 ms slices: the 1 ms interval gets a turn after most slices.
    expect(await run(new TimeSlice(4))).toBeGreaterThanOrEqual(5);
  });
});
