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
});
