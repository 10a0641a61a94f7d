import { describe, expect, it } from 'vitest';
import { createMemoryLimiter } from './rate-limiter.js';

describe('memory send-slot limiter', () => {
  it('reserves slots so that no window holds more than max, in order', async () => {
    const l = createMemoryLimiter({ max: 3, windowMs: 1000, marginMs: 0 });
    const slots = [];
    for (let i = 0; i < 7; i++) slots.push(await l.reserve('r', 10_000));
    expect(slots).toEqual([10_000, 10_000, 10_000, 11_000, 11_000, 11_000, 12_000]);
    expect(await l.reserve('other', 10_000)).toBe(10_000);
  });

  it('checks actual sends and honours pauses', async () => {
    const l = createMemoryLimiter({ max: 2, windowMs: 1000, marginMs: 100 });
    expect(await l.acquire('r', 0)).toBe(0);
    expect(await l.acquire('r', 500)).toBe(0);
    expect(await l.acquire('r', 600)).toBe(500); // first send leaves the window at 0 + 1000 + 100
    expect(await l.acquire('r', 1100)).toBe(0);
    await l.pause('r', 5000);
    expect(await l.acquire('r', 3000)).toBe(2000);
    expect(await l.reserve('r', 3000)).toBe(5000);
  });
});
