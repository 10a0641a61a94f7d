import { afterEach, describe, expect, it } from 'vitest';
import { startAgentSim } from './helpers/agent-sim.js';
import { openScratchPostgres } from './helpers/db.js';
import { startProxyHarness } from './helpers/proxy-harness.js';
import { waitFor } from './helpers/wait-for.js';

describe('fan-out batching (Postgres)', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('registers 500 agents and runs a 500-host task with a bounded number of SQL statements, not one per host', async () => {
    const N = 500;
    // The harness re-sends unacknowledged dispatches after 400 ms; on a loaded machine that
    // would add resent DISPATCHED events (harmless, but not what this test is about).
    const h = await startProxyHarness({ database: await openScratchPostgres(), env: { PROXY_ACK_TIMEOUT_MS: '10000' } });
    cleanup.push(() => h.close());
    const before = h.ctx.database.statements;
    const regs = await Promise.all(Array.from({ length: N }, (_, i) => h.register({ hostname: `f-${i}`, ip: `10.7.${i >> 8}.${i & 255}`, sn: `F${i}` })));
    const registerStatements = h.ctx.database.statements - before;
    expect(new Set(regs.map((r) => r.agentId)).size).toBe(N);
    // Six statements per batch of concurrent registrations; one by one it would be about 6 × N.
    expect(registerStatements).toBeLessThan(N);

    const sim = await startAgentSim({ url: regs[0]!.channels[0]!.url, agents: regs.map((r) => ({ agentId: r.agentId, credential: r.credential })) });
    cleanup.push(() => sim.close());
    await waitFor(async () => (await h.ctx.db.query.agents.findMany({ where: (a, { eq }) => eq(a.state, 'online') })).length === N, { what: 'online', timeoutMs: 20_000 });
    const sweeps = h.core.sweeper();
    const start = h.ctx.database.statements;
    const r = await h.api('POST', '/v1/tasks', { targets: regs.map((_, i) => `f-${i}`), command: 'true' });
    expect(r.status).toBe(201);
    expect(r.body.lane).toBe('bulk');
    const done = await waitFor(async () => {
      const t = await h.api('GET', `/v1/tasks/${r.body.id}`);
      return t.body.done && t.body;
    }, { what: 'task done', timeoutMs: 30_000 });
    expect(done.counts.SUCCEEDED).toBe(N);
    expect(sweeps).not.toBeNull();
    // Everything the proxy did meanwhile (task, runs, acks, results, the polling GETs and the
    // sweeper's few statements per sweep) stays far below one statement per host.
    const used = h.ctx.database.statements - start;
    expect(used).toBeLessThan(N / 2);
    const runs = await h.api('GET', `/v1/tasks/${r.body.id}/runs?limit=3`);
    expect(runs.body.runs[0].history.map((e: any) => e.state)).toEqual(['RECEIVED', 'DISPATCHED', 'RUNNING', 'SUCCEEDED']);
  }, 90_000);
});
