import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { startAgent, type AgentOptions, type RunningAgent } from '../agent/index.js';
import { createLogger } from '../core/index.js';
import type { RunResultFrame } from '../protocol/index.js';
import { startSimProxy, type SimProxy } from './helpers/agent-sim-proxy.js';
import { waitFor } from './helpers/wait-for.js';

const facts = () => ({ hostname: 'heal-host', ip: '127.0.0.1', ips: ['127.0.0.1'], sn: null });
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(o: { channels?: string[]; agent?: Partial<AgentOptions> } = {}) {
  const proxy: SimProxy = await startSimProxy({ channels: o.channels ?? ['ch-a'] });
  const dir = mkdtempSync(join(tmpdir(), 'starling-heal-'));
  const agent: RunningAgent = await startAgent({
    server: proxy.url, stateDir: join(dir, 'state'), enrolmentToken: 'enrol-token-for-tests', facts,
    backoff: { baseMs: 50, maxMs: 300 }, ...o.agent,
  });
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }), () => proxy.close(), () => agent.close());
  const online = (channelId?: string) =>
    waitFor(() => {
      const id = agent.agentId();
      const ch = agent.channelId();
      return (id && ch && proxy.routes.get(id) === ch && (!channelId || ch === channelId) && id) || undefined;
    }, { what: `agent online${channelId ? ` on ${channelId}` : ''}` });
  const agentId = await online();
  const result = (runId: string) => waitFor(() => proxy.results(runId)[0], { what: `result of ${runId}` }) as Promise<RunResultFrame>;
  return { proxy, agent, agentId, online, result };
}

describe('agent: self-healing and reconnects', () => {
  it('detects an executor that stopped making progress, reports the run with its own code, and heals', async () => {
    const { proxy, agent, agentId, result } = await setup({
      agent: {
        executor: {
          concurrency: 1, startBudgetMs: 300, watchdogMs: 50,
          // Fault injection: runs asking HANG=1 never get spawned, as if the executor froze.
          beforeSpawn: (d) => (d.env?.HANG === '1' ? new Promise(() => {}) : Promise.resolve()),
        },
      },
    });
    const stuck = await proxy.dispatch(agentId, { command: 'echo never', env: { HANG: '1' } });
    const queued = await proxy.dispatch(agentId, { command: 'echo behind' });
    expect(await result(stuck.runId)).toMatchObject({ outcome: 'FAILED', error: { code: 'AGENT-SYS-EXECUTOR_HUNG' } });
    // The run queued behind the stuck one proceeds once the slot is freed.
    expect(await result(queued.runId)).toMatchObject({ outcome: 'SUCCEEDED', stdout: 'behind\n' });
    expect(agent.health().executor.hangs).toBe(1);
    await waitFor(() => agent.health().executor.state === 'recovered', { what: 'recovered' });
    const hb = await waitFor(() =>
      proxy.messages.find((m) => m.type === 'agent.heartbeats' && m.items.some((i) => i.health.executor.hangs === 1)),
    { what: 'heartbeat reporting the hang' });
    expect(hb).toBeTruthy();
  });

  it('re-registers and moves when its channel is gone, and reports a result finished while disconnected', async () => {
    const { proxy, agentId, online, result } = await setup();
    const before = proxy.registrations;
    const d = await proxy.dispatch(agentId, { command: 'sleep 0.4; echo late' });
    await waitFor(() => proxy.messages.some((m) => m.type === 'run.ack' && m.runId === d.runId));
    await proxy.stopChannel('ch-a');
    await proxy.startChannel('ch-b');
    await online('ch-b');
    expect(proxy.registrations).toBeGreaterThan(before);
    expect(await result(d.runId)).toMatchObject({ outcome: 'SUCCEEDED', stdout: 'late\n' });
    const again = await proxy.dispatch(agentId, { command: 'echo on b' });
    expect(await result(again.runId)).toMatchObject({ stdout: 'on b\n' });
  });

  it('re-registers when the channel refuses its credential (4401)', async () => {
    const { proxy, agentId, online } = await setup();
    const before = proxy.registrations;
    proxy.revokeCredentials();
    // Drop the connection: the agent reconnects to the same channel, its hello is refused, it registers again.
    expect(proxy.channels.get('ch-a')!.disconnect(agentId)).toBe(true);
    await waitFor(() => proxy.registrations > before, { what: 're-registration' });
    expect(await online('ch-a')).toBe(agentId);
  });

  it('moves to another channel when asked to rebalance', async () => {
    const { proxy, agent, online } = await setup({ channels: ['ch-a', 'ch-b'] });
    const first = agent.channelId()!;
    const other = first === 'ch-a' ? 'ch-b' : 'ch-a';
    expect(proxy.channels.get(first)!.shed(1, 100)).toBe(1);
    await online(other);
    expect(proxy.channels.get(first)!.connections()).toBe(0);
  });

  it('keeps retrying a refused registration with its code, and stops promptly', async () => {
    const proxy = await startSimProxy();
    cleanup.push(() => proxy.close());
    const dir = mkdtempSync(join(tmpdir(), 'starling-heal-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const stream = new PassThrough();
    const records: Array<Record<string, unknown>> = [];
    stream.on('data', (b: Buffer) => {
      for (const line of b.toString().split('\n').filter(Boolean)) records.push(JSON.parse(line) as Record<string, unknown>);
    });
    const agent = await startAgent({
      server: proxy.url, stateDir: join(dir, 'state'), enrolmentToken: 'wrong-token-wrong-token', facts,
      backoff: { baseMs: 20, maxMs: 50 }, log: createLogger({ destination: stream, level: 'warn' }),
    });
    await waitFor(() => records.filter((r) => r.code === 'AGENT-DEP-REGISTRATION_FAILED').length >= 3, { what: 'three refused attempts' });
    expect(String(records.find((r) => r.code === 'AGENT-DEP-REGISTRATION_FAILED')?.err)).toContain('HTTP 401');
    expect(proxy.registrations).toBe(0);
    const t0 = Date.now();
    await agent.close();
    expect(Date.now() - t0).toBeLessThan(1500);
  });
});
