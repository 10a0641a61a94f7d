import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgent, type AgentOptions, type RunningAgent } from '../agent/index.js';
import { generateSigningKey, newNonce, signDispatchBatch, type RunResultFrame } from '../protocol/index.js';
import { makeDispatch } from '../protocol/test-fixtures.js';
import { startSimProxy, type SimProxy } from './helpers/agent-sim-proxy.js';
import { waitFor } from './helpers/wait-for.js';

const facts = () => ({ hostname: 'test-host', ip: '127.0.0.1', ips: ['127.0.0.1'], sn: 'SN-TEST' });
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(o: { proxy?: Parameters<typeof startSimProxy>[0]; agent?: Partial<AgentOptions> } = {}) {
  const proxy: SimProxy = await startSimProxy(o.proxy);
  const dir = mkdtempSync(join(tmpdir(), 'starling-agent-'));
  const agent: RunningAgent = await startAgent({
    server: proxy.url, stateDir: join(dir, 'state'), enrolmentToken: 'enrol-token-for-tests', facts,
    backoff: { baseMs: 50, maxMs: 500 }, ...o.agent,
  });
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }), () => proxy.close(), () => agent.close());
  const agentId = await waitFor(() => (agent.channelId() && proxy.routes.get(agent.agentId()!) && agent.agentId()) || undefined, { what: 'agent online' });
  const result = (runId: string) => waitFor(() => proxy.results(runId)[0], { what: `result of ${runId}` }) as Promise<RunResultFrame>;
  return { proxy, agent, agentId, dir, result };
}

describe('agent: runs', () => {
  it('registers, connects, heartbeats with metrics, and runs shell and argv commands with cwd and env', async () => {
    const { proxy, agentId, dir, result } = await setup();
    const hb = await waitFor(() => proxy.messages.find((m) => m.type === 'agent.heartbeats'), { what: 'heartbeat' });
    const item = hb.type === 'agent.heartbeats' ? hb.items[0]! : undefined;
    expect(item?.agentId).toBe(agentId);
    expect(item?.metrics.load).toHaveLength(3);
    expect(item?.metrics.cpus).toBeGreaterThan(0);
    expect(item?.metrics.mounts.some((m) => m.mount === '/' && m.totalBytes > 0)).toBe(true);
    expect(item?.health.executor.state).toBe('ok');

    const sh = await proxy.dispatch(agentId, { command: 'echo "$GREETING from $(pwd)"; echo oops >&2', env: { GREETING: 'hello' }, cwd: dir });
    const argv = await proxy.dispatch(agentId, { argv: ['/bin/echo', 'a b', '$HOME'] });
    const r1 = await result(sh.runId);
    expect(r1).toMatchObject({ outcome: 'SUCCEEDED', exitCode: 0, signal: null, stdout: `hello from ${dir}\n`, stderr: 'oops\n', error: null });
    expect(r1.durationMs).toBeGreaterThanOrEqual(0);
    expect(await result(argv.runId)).toMatchObject({ outcome: 'SUCCEEDED', stdout: 'a b $HOME\n' });
    // Acked at once: on its own, or folded into the result when the command ended within the channel's flush window.
    expect(proxy.messages.some((m) => (m.type === 'run.ack' && m.runId === sh.runId && !m.duplicate) || (m.type === 'run.result' && m.result.runId === sh.runId && m.ackedAt))).toBe(true);
  });

  it('reports exit codes, signals, timeouts, spawn failures and truncated output with their own codes', async () => {
    const { proxy, agentId, result } = await setup({ agent: { executor: { outputCapBytes: 1024, killGraceMs: 200 } } });
    const runs = {
      fail: await proxy.dispatch(agentId, { command: 'exit 3' }),
      killed: await proxy.dispatch(agentId, { command: 'kill -9 $$' }),
      slow: await proxy.dispatch(agentId, { command: 'sleep 30', timeoutMs: 300 }),
      missing: await proxy.dispatch(agentId, { argv: ['/nonexistent/program'] }),
      nocwd: await proxy.dispatch(agentId, { command: 'true', cwd: '/nonexistent/dir' }),
      big: await proxy.dispatch(agentId, { command: 'head -c 5000 /dev/zero | tr "\\0" x; head -c 3000 /dev/zero | tr "\\0" y >&2' }),
    };
    expect(await result(runs.fail.runId)).toMatchObject({ outcome: 'FAILED', exitCode: 3, error: { code: 'AGENT-USR-COMMAND_FAILED' } });
    expect(await result(runs.killed.runId)).toMatchObject({ outcome: 'FAILED', exitCode: null, signal: 'SIGKILL', error: { code: 'AGENT-USR-COMMAND_KILLED' } });
    const slow = await result(runs.slow.runId);
    expect(slow).toMatchObject({ outcome: 'TIMED_OUT', error: { code: 'AGENT-ENV-TIMEOUT' } });
    expect(slow.durationMs).toBeLessThan(5000);
    expect(await result(runs.missing.runId)).toMatchObject({ outcome: 'FAILED', error: { code: 'AGENT-ENV-SPAWN_FAILED' } });
    expect(await result(runs.nocwd.runId)).toMatchObject({ outcome: 'FAILED', error: { code: 'AGENT-ENV-SPAWN_FAILED' } });
    const big = await result(runs.big.runId);
    expect(big).toMatchObject({ outcome: 'SUCCEEDED', stdoutTruncated: true, stderrTruncated: true });
    expect(big.stdout).toBe('x'.repeat(1024));
    expect(big.stderr).toBe('y'.repeat(1024));
  });

  it('runs as another user only when root, and names unknown users', async () => {
    const { proxy, agentId, result } = await setup();
    const asNobody = await proxy.dispatch(agentId, { command: 'id -un', user: 'nobody' });
    const unknown = await proxy.dispatch(agentId, { command: 'true', user: 'no-such-user-xyz' });
    if (process.getuid?.() === 0) {
      expect(await result(asNobody.runId)).toMatchObject({ outcome: 'SUCCEEDED', stdout: 'nobody\n' });
      expect(await result(unknown.runId)).toMatchObject({ outcome: 'FAILED', error: { code: 'AGENT-ENV-USER_UNKNOWN' } });
    } else {
      expect(await result(asNobody.runId)).toMatchObject({ outcome: 'FAILED', error: { code: 'AGENT-ENV-USER_SWITCH_DENIED' } });
      expect(await result(unknown.runId)).toMatchObject({ outcome: 'FAILED', error: { code: 'AGENT-ENV-USER_SWITCH_DENIED' } });
    }
  });

  it('executes a run delivered twice exactly once, acking the second as a duplicate and re-reporting it', async () => {
    const { proxy, agentId, dir } = await setup();
    const marker = join(dir, 'marker');
    const d = await proxy.dispatch(agentId, { command: `echo run >> ${marker}` });
    await waitFor(() => proxy.results(d.runId).length === 1);
    await proxy.send(d);
    await waitFor(() => proxy.messages.some((m) => m.type === 'run.ack' && m.runId === d.runId && m.duplicate), { what: 'duplicate ack' });
    expect(readFileSync(marker, 'utf8')).toBe('run\n');
  });

  it('re-sends an unacknowledged result while connected, and stops once it is acknowledged', async () => {
    const { proxy, agentId } = await setup({ proxy: { ackResults: false }, agent: { resultResendMs: 300 } });
    const d = await proxy.dispatch(agentId, { command: 'echo once' });
    await waitFor(() => proxy.results(d.runId).length >= 3, { what: 'result re-sent while unacknowledged', timeoutMs: 10_000 });
    proxy.ackResults = true;
    const acked = await waitFor(() => {
      const n = proxy.results(d.runId).length;
      return n >= 4 && n; // the next re-send is answered with result.ack
    }, { what: 'a re-send answered with an ack', timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 1200)); // four re-send periods
    expect(proxy.results(d.runId).length).toBeLessThanOrEqual(acked + 1);
    expect(new Set(proxy.results(d.runId).map((r) => JSON.stringify(r))).size).toBe(1); // the same journaled result every time
  });

  it('runs a batch-signed dispatch (one signature per task) and refuses one whose proof was altered', async () => {
    const { proxy, agentId, result } = await setup();
    const common = {
      taskId: 'task-batch', command: 'echo batched', argv: null, timeoutMs: 5000, cwd: null, env: null, user: null,
      deadline: Date.now() + 60_000, issuedAt: Date.now(), nonce: newNonce(),
    };
    const runs = [{ runId: crypto.randomUUID(), agentId: 'other-agent' }, { runId: crypto.randomUUID(), agentId }, { runId: crypto.randomUUID(), agentId }];
    const [, mine, altered] = signDispatchBatch(common, runs, proxy.key);
    await proxy.send(mine!);
    await proxy.send({ ...altered!, batch: { ...altered!.batch!, proof: mine!.batch!.proof } });
    expect(await result(mine!.runId)).toMatchObject({ outcome: 'SUCCEEDED', stdout: 'batched\n' });
    expect(await result(altered!.runId)).toMatchObject({ outcome: 'REJECTED', error: { code: 'AGENT-SYS-SIGNATURE_INVALID' } });
  });

  it('refuses forged, tampered, replayed and expired runs with their own codes and runs none of them', async () => {
    const { proxy, agentId, dir, result } = await setup();
    const marker = join(dir, 'forged');
    const cmd = `echo x >> ${marker}`;
    const forged = makeDispatch(generateSigningKey(), { agentId, command: cmd });
    const impostor = { ...makeDispatch(generateSigningKey(), { agentId, command: cmd }), keyId: proxy.key.keyId };
    const tampered = { ...makeDispatch(proxy.key, { agentId, command: 'true' }), command: cmd };
    const replayed = makeDispatch(proxy.key, { agentId, command: cmd, issuedAt: Date.now() - 2 * 3_600_000, deadline: Date.now() + 60_000 });
    const expired = makeDispatch(proxy.key, { agentId, command: cmd, deadline: Date.now() - 1000 });
    for (const d of [forged, impostor, tampered, replayed, expired]) await proxy.send(d);
    expect(await result(forged.runId)).toMatchObject({ outcome: 'REJECTED', error: { code: 'AGENT-SYS-SIGNATURE_INVALID' } });
    expect(await result(impostor.runId)).toMatchObject({ outcome: 'REJECTED', error: { code: 'AGENT-SYS-SIGNATURE_INVALID' } });
    expect(await result(tampered.runId)).toMatchObject({ outcome: 'REJECTED', error: { code: 'AGENT-SYS-SIGNATURE_INVALID' } });
    expect(await result(replayed.runId)).toMatchObject({ outcome: 'REJECTED', error: { code: 'AGENT-SYS-RUN_REPLAYED' } });
    expect(await result(expired.runId)).toMatchObject({ outcome: 'TIMED_OUT', error: { code: 'AGENT-SYS-RUN_EXPIRED' } });
    expect(existsSync(marker)).toBe(false);
  });
});
