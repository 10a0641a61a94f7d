import { describe, expect, it } from 'vitest';
import { ResultAckQueue } from './result-acks.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ResultAckQueue', () => {
  it('holds acks for the delay and sends one frame per agent with all its run ids', async () => {
    const sent: Array<[string, string[]]> = [];
    const q = new ResultAckQueue({ deliver: (a, ids) => sent.push([a, ids]), busy: () => false, delayMs: 50 });
    q.push('a1', ['r1']);
    q.push('a2', ['r2']);
    q.push('a1', ['r3', 'r4']);
    expect(q.pending).toBe(4);
    await sleep(10);
    expect(sent).toEqual([]);
    await sleep(100);
    expect(sent).toEqual([['a1', ['r1', 'r3', 'r4']], ['a2', ['r2']]]);
    expect(q.pending).toBe(0);
    q.close();
  });

  it('waits while bulk dispatches are forwarded, but never past maxDelayMs', async () => {
    const sent: string[] = [];
    let busy = true;
    const q = new ResultAckQueue({ deliver: (a) => sent.push(a), busy: () => busy, delayMs: 20, maxDelayMs: 150 });
    const t0 = Date.now();
    q.push('a1', ['r1']);
    await sleep(80);
    expect(sent).toEqual([]); // busy: held
    await sleep(150);
    expect(sent).toEqual(['a1']); // busy still, but held long enough
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    busy = false;
    q.push('a2', ['r2']);
    await sleep(60);
    expect(sent).toEqual(['a1', 'a2']);
    q.close();
  });

  it('sends at once when too many are queued, splits frames at the protocol limit, and flush() empties it', async () => {
    const sent: Array<[string, number]> = [];
    const q = new ResultAckQueue({ deliver: (a, ids) => sent.push([a, ids.length]), busy: () => true, delayMs: 10_000, maxQueued: 25_000 });
    q.push('a1', Array.from({ length: 25_000 }, (_, i) => `r${i}`));
    await sleep(20);
    expect(sent).toEqual([['a1', 10_000], ['a1', 10_000], ['a1', 5000]]);
    q.push('a2', ['x']);
    await q.flush();
    expect(sent.at(-1)).toEqual(['a2', 1]);
    q.close();
  });

  it('a timed flush gives the event loop back every sliceMs, and a shutdown flush waits for it and sends the rest', async () => {
    const spin = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    const sent: string[] = [];
    let ticks = 0;
    // Each delivery costs 1 ms (a socket write under load): 40 agents, 4 ms slices.
    const q = new ResultAckQueue({ deliver: (a) => (spin(1), sent.push(a)), busy: () => false, delayMs: 5, sliceMs: 4 });
    for (let i = 0; i < 40; i++) q.push(`a${i}`, [`r${i}`]);
    const ticker = setInterval(() => ticks++, 1);
    while (sent.length === 0) await sleep(1); // the timed flush has started: we run between its slices
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThan(40);
    q.push('late', ['r-late']);
    await q.flush(); // shutdown: waits for the running flush, then sends what came meanwhile
    clearInterval(ticker);
    expect(sent).toHaveLength(41);
    expect(new Set(sent).size).toBe(41);
    expect(sent.at(-1)).toBe('late');
    expect(ticks).toBeGreaterThanOrEqual(3); // the interval ran between slices
    q.close();
    q.push('after-close', ['r']);
    await sleep(30);
    expect(sent).not.toContain('after-close'); // nothing is scheduled once closed
  });
});
