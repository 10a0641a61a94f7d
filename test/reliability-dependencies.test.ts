import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRuns, MARK, markLines, readyzIs, runUntilDone, startCluster, type Cluster } from './helpers/cluster.js';
import { waitFor } from './helpers/wait-for.js';

// DESIGN reliability case 7: "database restarted or network jitter: the proxy recovers by
// itself; nothing lost". Real processes (`starling proxy`, two `starling channel`, three real
// agents) reach Postgres through a TCP link the test cuts: every connection drops at once and
// new ones are refused, as while a database restarts, then it heals.

describe('the proxy through a database outage (production processes)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster('production', 3, { dbLink: true });
  }, 180_000);
  afterAll(async () => {
    await c?.close();
  });

  it('runs that finish while Postgres is unreachable are stored once it is back; readiness says so meanwhile; nothing runs twice', async () => {
    const link = c.dbLink!;
    const r = await c.api('POST', '/v1/tasks', { targets: c.agents.map((a) => a.label), command: `${MARK('db')}; sleep 2; echo done` });
    expect(r.status).toBe(201);
    await waitFor(async () => (await c.api('GET', `/v1/tasks/${r.body.id}`)).body.counts?.RUNNING === 3, { what: 'running', timeoutMs: 20_000 });

    link.cut();
    // While it is cut: readiness names the database, the API answers with a problem document
    // (no hang, no crash), and the runs finish on their hosts.
    const ready = await readyzIs(c, 503, 10_000);
    expect(ready.body).toMatchObject({ code: 'PROXY-DEP-DATABASE_UNAVAILABLE', failing: 'database' });
    const during = await c.api('GET', `/v1/tasks/${r.body.id}`);
    expect(during.status).toBeGreaterThanOrEqual(500);
    expect(during.type).toContain('application/problem+json');
    await waitFor(() => c.agents.every((a) => markLines(a.markFile).includes('db')), { what: 'executed on every host', timeoutMs: 10_000 });
    await new Promise((res) => setTimeout(res, 3000)); // results reach the proxy and fail to commit
    expect(c.proxy().child.exitCode).toBeNull();
    // The results did reach the proxy, and their commit failed (they stay pending in Redis).
    expect(c.proxy().records.some((x) => x.msg === 'transport delivery failed; will retry')).toBe(true);

    link.heal();
    await readyzIs(c, 200);
    const done = await runUntilDone(c, r.body.id);
    expect(Object.entries(done.counts).filter(([, n]) => n !== 0)).toEqual([['SUCCEEDED', 3]]);
    for (const run of await allRuns(c, r.body.id)) {
      expect(run.stdout).toBe('done\n');
      expect(run.history.map((e: any) => e.state)).toEqual(['RECEIVED', 'DISPATCHED', 'RUNNING', 'SUCCEEDED']);
    }
    for (const a of c.agents) expect(markLines(a.markFile).filter((l) => l === 'db')).toHaveLength(1);

    // And the proxy works as before: a new command, answered inline.
    const after = await c.api('POST', '/v1/tasks', { targets: c.agents.map((a) => a.label), command: 'echo again', wait: 20 });
    expect(after.body).toMatchObject({ done: true, counts: { SUCCEEDED: 3 } });
  }, 150_000);
});

// Case 7's network jitter on the other dependency: the Redis link between the proxy, the
// channels and their streams drops and refuses connections for a while.
describe('the proxy and channels through a Redis outage (production processes)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster('production', 3, { redisLink: true });
  }, 180_000);
  afterAll(async () => {
    await c?.close();
  });

  it('runs in flight and a task submitted during the outage all end SUCCEEDED once it heals, each executed once', async () => {
    const link = c.redisLink!;
    const first = await c.api('POST', '/v1/tasks', { targets: c.agents.map((a) => a.label), command: `${MARK('r1')}; sleep 2; echo one` });
    await waitFor(async () => (await c.api('GET', `/v1/tasks/${first.body.id}`)).body.counts?.RUNNING === 3, { what: 'running', timeoutMs: 20_000 });

    link.cut();
    const ready = await readyzIs(c, 503, 10_000);
    expect(ready.body).toMatchObject({ code: 'PROXY-DEP-REDIS_UNAVAILABLE', failing: 'redis' });
    // Accepted and stored while the transport is down: its dispatches go out once it is back.
    const second = await c.api('POST', '/v1/tasks', { targets: c.agents.map((a) => a.label), command: `${MARK('r2')}; echo two` });
    expect(second.status).toBe(201);
    await waitFor(() => c.agents.every((a) => markLines(a.markFile).includes('r1')), { what: 'first task executed', timeoutMs: 10_000 });
    await new Promise((res) => setTimeout(res, 3000));

    link.heal();
    await readyzIs(c, 200, 30_000);
    for (const [task, tag, out] of [[first, 'r1', 'one\n'], [second, 'r2', 'two\n']] as const) {
      const done = await runUntilDone(c, task.body.id, 90_000);
      expect(Object.entries(done.counts).filter(([, n]) => n !== 0)).toEqual([['SUCCEEDED', 3]]);
      for (const run of await allRuns(c, task.body.id)) expect(run.stdout).toBe(out);
      for (const a of c.agents) expect(markLines(a.markFile).filter((l) => l === tag)).toHaveLength(1);
    }
  }, 200_000);
});
