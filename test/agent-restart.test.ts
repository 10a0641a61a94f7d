import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimProxy, type SimProxy } from './helpers/agent-sim-proxy.js';
import { waitFor } from './helpers/wait-for.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Start a real agent process (the same entry point the bundle is built from). */
function startAgentProcess(server: string, stateDir: string): ChildProcess & { output(): string } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'agent/main.ts'), '--server', server, '--state-dir', stateDir], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, AGENT_ENROLMENT_TOKEN: 'enrol-token-for-tests', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  cleanup.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return Object.assign(child, { output: () => out });
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);

async function online(proxy: SimProxy, agentId?: string): Promise<string> {
  return waitFor(() => (agentId ? proxy.routes.has(agentId) && agentId : [...proxy.routes.keys()][0]) || undefined, {
    what: 'agent process online', timeoutMs: 20_000,
  });
}

describe('agent restarts (real processes, SIGKILL)', () => {
  it('a run interrupted by SIGKILL is reported once as interrupted and never executed again', async () => {
    const proxy = await startSimProxy();
    cleanup.push(() => proxy.close());
    const dir = mkdtempSync(join(tmpdir(), 'starling-restart-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const marker = join(dir, 'executions');
    const first = startAgentProcess(proxy.url, join(dir, 'state'));
    const agentId = await online(proxy);
    const d = await proxy.dispatch(agentId, { command: `echo run >> ${marker}; sleep 1` });
    await waitFor(() => lines(marker) === 1, { what: 'the run started on the host' });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    await waitFor(() => !proxy.routes.has(agentId), { what: 'channel noticed the agent left' });

    const second = startAgentProcess(proxy.url, join(dir, 'state'));
    await online(proxy, agentId);
    const reported = await waitFor(() => proxy.results(d.runId)[0], { what: 'interrupted report', timeoutMs: 20_000 });
    expect(reported).toMatchObject({ outcome: 'FAILED', error: { code: 'AGENT-ENV-INTERRUPTED' } });

    // The proxy's sweeper would send the dispatch again: it is acknowledged as a duplicate, not run.
    await proxy.send(d);
    await waitFor(() => proxy.messages.some((m) => m.type === 'run.ack' && m.runId === d.runId && m.duplicate), { what: 'duplicate ack' });
    expect(lines(marker)).toBe(1);
    expect(proxy.results(d.runId).filter((r) => r.outcome !== 'FAILED' || r.error?.code !== 'AGENT-ENV-INTERRUPTED')).toEqual([]);
    expect(proxy.results(d.runId)).toHaveLength(1);
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
  });

  it('a finished run whose result was not acknowledged is reported again after a restart, not run again', async () => {
    const proxy = await startSimProxy({ ackResults: false });
    cleanup.push(() => proxy.close());
    const dir = mkdtempSync(join(tmpdir(), 'starling-restart-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const marker = join(dir, 'executions');
    const first = startAgentProcess(proxy.url, join(dir, 'state'));
    const agentId = await online(proxy);
    const d = await proxy.dispatch(agentId, { command: `echo run >> ${marker}; echo output` });
    await waitFor(() => proxy.results(d.runId).length === 1, { what: 'first report' });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    await waitFor(() => !proxy.routes.has(agentId));

    proxy.ackResults = true;
    const second = startAgentProcess(proxy.url, join(dir, 'state'));
    await online(proxy, agentId);
    await waitFor(() => proxy.results(d.runId).length === 2, { what: 'report after restart', timeoutMs: 20_000 });
    const [a, b] = proxy.results(d.runId);
    expect(b).toEqual(a);
    expect(a).toMatchObject({ outcome: 'SUCCEEDED', stdout: 'output\n' });
    await proxy.send(d);
    await waitFor(() => proxy.messages.some((m) => m.type === 'run.ack' && m.runId === d.runId && m.duplicate));
    expect(lines(marker)).toBe(1);
    second.kill('SIGTERM');
    const code = await new Promise((r) => second.once('exit', (c) => r(c)));
    expect(code).toBe(0);
  });
});
