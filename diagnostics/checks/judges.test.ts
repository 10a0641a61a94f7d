import { describe, expect, it } from 'vitest';
import { judgeAgent } from './agent-check.js';
import { judgeCmdb } from './cmdb-check.js';
import { judgeDisk } from './disk-check.js';
import { judgeLoad } from './load-check.js';
import { robustBand } from './robust-baseline.js';

const GiB = 1024 ** 3;

describe('judgeDisk', () => {
  it('flags a mount above the percentage and names it', () => {
    const r = judgeDisk([{ mount: '/', usedBytes: 50 * GiB, totalBytes: 100 * GiB }, { mount: '/data', usedBytes: 990 * GiB, totalBytes: 1000 * GiB }], 'heartbeat');
    expect(r.status).toBe('problem');
    expect(r.evidence.mount).toBe('/data');
    expect(r.evidence.percent).toBe(99);
  });
  it('flags / with less than 1 GiB free even below 95 %', () => {
    const r = judgeDisk([{ mount: '/', usedBytes: 9.5 * GiB - 1, totalBytes: 10.4 * GiB }], 'heartbeat');
    expect(r.status).toBe('problem');
  });
  it('does not apply the absolute free rule to a small /boot', () => {
    const r = judgeDisk([{ mount: '/boot', usedBytes: 0.6 * GiB, totalBytes: 1 * GiB }, { mount: '/', usedBytes: 10 * GiB, totalBytes: 100 * GiB }], 'heartbeat');
    expect(r.status).toBe('ok');
  });
  it('honours configured thresholds and says unknown without data', () => {
    expect(judgeDisk([{ mount: '/', usedBytes: 85 * GiB, totalBytes: 100 * GiB }], 'x', { maxUsedPercent: 80 }).status).toBe('problem');
    expect(judgeDisk(null, 'heartbeat').status).toBe('unknown');
    expect(judgeDisk([{ mount: '/proc', usedBytes: 1, totalBytes: 1 }], 'heartbeat').status).toBe('unknown');
  });
});

describe('robustBand and judgeLoad', () => {
  it('uses 1.4826·MAD', () => {
    const b = robustBand([1, 1, 2, 2, 4, 6, 9], 3, 0)!;
    expect(b.median).toBe(2);
    expect(b.sigma).toBeCloseTo(1.4826);
    expect(b.sigmaFrom).toBe('mad');
  });
  it('falls back when MAD = 0 (flat history)', () => {
    const b = robustBand([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.5], 3.5, 0.05)!;
    expect(b.sigmaFrom).toBe('mean-absolute-deviation');
    expect(b.sigma).toBeGreaterThan(0);
    const flat = robustBand([0.2, 0.2, 0.2, 0.2], 3.5, 0.05)!;
    expect(flat.sigmaFrom).toBe('floor');
    expect(flat.upper).toBeCloseTo(0.2 + 3.5 * 0.05);
  });
  const at = new Date('2026-01-01T00:00:00Z');
  const hist = (v: number[], cpus = 4) => v.map((load1, i) => ({ at: new Date(at.getTime() + i * 60_000), load1, cpus }));
  it('flags the absolute threshold', () => {
    const r = judgeLoad({ at, load1: 9, cpus: 4 }, [], 'heartbeat');
    expect(r.status).toBe('problem');
    expect(r.finding).toBe('absolute');
  });
  it('flags load far above the host\'s own history, also with a flat history', () => {
    const r = judgeLoad({ at, load1: 5, cpus: 4 }, hist(Array(20).fill(0.4)), 'heartbeat');
    expect(r.status).toBe('problem');
    expect(r.finding).toBe('baseline');
    expect(r.evidence.reason).toMatch(/history/);
  });
  it('accepts load within the usual band and ignores tiny idle changes', () => {
    expect(judgeLoad({ at, load1: 4.4, cpus: 4 }, hist([4, 4.2, 3.9, 4.5, 4.1, 4.3, 3.8, 4.6, 4.0, 4.4]), 'heartbeat').status).toBe('ok');
    expect(judgeLoad({ at, load1: 0.4, cpus: 4 }, hist(Array(20).fill(0.01)), 'heartbeat').status).toBe('ok');
    expect(judgeLoad(null, [], 'heartbeat').status).toBe('unknown');
  });
});

describe('judgeAgent', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  const online = { agentId: 'a1', state: 'online', channelId: 'c1', lastHeartbeatAt: new Date(now - 5000), health: {} };
  it('says hung when heartbeats continue but a run stays un-acked', () => {
    const r = judgeAgent(online, { runId: 'r1', dispatchedAt: new Date(now - 60_000) }, now, true);
    expect(r.finding).toBe('hung');
    expect(r.evidence.runId).toBe('r1');
  });
  it('is ok with a young un-acked run, down when stale or offline', () => {
    expect(judgeAgent(online, { runId: 'r1', dispatchedAt: new Date(now - 1000) }, now, true).status).toBe('ok');
    expect(judgeAgent({ ...online, lastHeartbeatAt: new Date(now - 600_000) }, null, now, true).finding).toBe('down');
    expect(judgeAgent({ ...online, state: 'offline' }, null, now, true).finding).toBe('down');
    expect(judgeAgent(null, null, now, true).finding).toBe('not-registered');
    expect(judgeAgent(null, null, now, false).status).toBe('unknown');
  });
});

describe('judgeCmdb', () => {
  it('finds SN and IP mismatches, case-insensitively', () => {
    const r = judgeCmdb({ sn: 'SN-OLD', ip: '10.0.0.1' }, { sn: 'sn-new', ip: '10.0.0.1' });
    expect(r.status).toBe('problem');
    expect(r.evidence.field).toBe('SN');
    expect(judgeCmdb({ sn: 'ABC', ip: '10.0.0.1' }, { sn: 'abc', ip: '10.0.0.1' }).status).toBe('ok');
    expect(judgeCmdb(null, { sn: 'a', ip: 'b' }).status).toBe('unknown');
  });
});
