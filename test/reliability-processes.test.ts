import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, newNonce, PROTOCOL_VERSION, signDispatch, signingKeyFromPem } from '../protocol/index.js';
import { testRedis } from './helpers/redis.js';
import { allRuns, MARK, markLines, runUntilDone, startCluster, type Cluster, type ClusterMode } from './helpers/cluster.js';
import { waitFor } from './helpers/wait-for.js';

// Real processes over real sockets: `starling server` (embedded PGlite, in-process channel), or
// `starling proxy` + two `starling channel` on Postgres and Redis; three real agents each.
// Commands append a line to the agent's $MARK_FILE, so executions are counted on the host side.
const modes: ClusterMode[] = ['embedded', 'production'];

describe.each(modes)('cluster (%s)', (mode) => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster(mode);
  }, 180_000);
  afterAll(async () => {
    await c?.close();
  });

  it('runs a task on every host with the right outputs, inline with wait; unknown and offline targets get their codes', async () => {
    const r = await c.api('POST', '/v1/tasks', {
      targets: [...c.agents.map((a) => a.label), 'no-such-host', 'probe'], command: `${MARK('hello')}; echo "hello from $HOST_LABEL"`, wait: 20,
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ done: true, counts: { SUCCEEDED: 3, REJECTED: 1, FAILED: 1 } });
    const byTarget = new Map(r.body.runs.map((x: any) => [x.target, x]));
    for (const a of c.agents) {
      expect(byTarget.get(a.label)).toMatchObject({ state: 'SUCCEEDED', exitCode: 0, stdout: `hello from ${a.label}\n` });
      expect((byTarget.get(a.label) as any).history.map((e: any) => e.state)).toEqual(['RECEIVED', 'DISPATCHED', 'RUNNING', 'SUCCEEDED']);
      expect(markLines(a.markFile).filter((l) => l === 'hello')).toHaveLength(1);
    }
    expect(byTarget.get('no-such-host')).toMatchObject({ state: 'REJECTED', error: { code: 'PROXY-USR-TARGET_NOT_FOUND' } });
    expect(byTarget.get('probe')).toMatchObject({ state: 'FAILED', error: { code: 'CHANNEL-ENV-AGENT_OFFLINE' } });
    if (mode === 'production') {
      const channelsUsed = new Set(r.body.runs.filter((x: any) => x.state === 'SUCCEEDED').map((x: any) => x.channelId));
      expect([...channelsUsed].every((id) => ['ch-a', 'ch-b'].includes(id as string))).toBe(true);
    }
    const unauth = await c.api('GET', `/v1/tasks/${r.body.id}`, undefined, null);
    expect(unauth).toMatchObject({ status: 401, body: { code: 'PROXY-USR-UNAUTHORIZED' } });
    expect(unauth.type).toContain('application/problem+json');
    const tooMany = await c.api('POST', '/v1/tasks', { targets: Array.from({ length: 100_001 }, (_, i) => `t${i}`), command: 'true' });
    expect(tooMany).toMatchObject({ status: 422, body: { code: 'PROXY-USR-TOO_MANY_TARGETS' } });
    expect((await c.api('POST', '/v1/tasks', '{"targets":')).body.code).toBe('PROXY-USR-MALFORMED_JSON');
    expect((await c.api('POST', '/v1/tasks', { targets: ['host-0'], command: ' ' })).body.code).toBe('PROXY-USR-EMPTY_COMMAND');
    expect((await c.api('GET', `/v1/tasks/${r.body.id}`)).body.counts.SUCCEEDED).toBe(3);
  }, 120_000);

  it('SIGKILL of the proxy mid-run: every run still ends SUCCEEDED, executed once, with its full history', async () => {
    const r = await c.api('POST', '/v1/tasks', { targets: c.agents.map((a) => a.label), command: `${MARK('pk')}; sleep 2; echo done` });
    await waitFor(async () => (await c.api('GET', `/v1/tasks/${r.body.id}`)).body.counts.RUNNING === 3, { what: 'running', timeoutMs: 20_000 });
    await c.proxy().stop('SIGKILL');
    await c.restartProxy();
    const t = await runUntilDone(c, r.body.id);
    expect(t.counts.SUCCEEDED).toBe(3);
    for (const run of await allRuns(c, r.body.id)) {
      expect(run.stdout).toBe('done\n');
      expect(run.history.map((e: any) => e.state)).toEqual(['RECEIVED', 'DISPATCHED', 'RUNNING', 'SUCCEEDED']);
    }
    for (const a of c.agents) expect(markLines(a.markFile).filter((l) => l === 'pk')).toHaveLength(1);
  }, 120_000);

  it('SIGKILL of an agent mid-run: the run ends FAILED AGENT-ENV-INTERRUPTED after its restart, never run twice', async () => {
    const a = c.agents[0]!;
    const r = await c.api('POST', '/v1/tasks', { targets: [a.label], command: `${MARK('ak')}; sleep 3` });
    await waitFor(async () => (await c.api('GET', `/v1/tasks/${r.body.id}`)).body.counts.RUNNING === 1, { what: 'running', timeoutMs: 20_000 });
    await waitFor(() => markLines(a.markFile).includes('ak'), { what: 'command started' });
    await a.proc.stop('SIGKILL');
    await a.start();
    const t = await runUntilDone(c, r.body.id);
    expect(t.counts.FAILED).toBe(1);
    const [run] = await allRuns(c, r.body.id);
    expect(run.error).toMatchObject({ code: 'AGENT-ENV-INTERRUPTED', layer: 'AGENT', category: 'ENV' });
    expect(run.history.map((e: any) => e.state)).toEqual(['RECEIVED', 'DISPATCHED', 'RUNNING', 'FAILED']);
    expect(markLines(a.markFile).filter((l) => l === 'ak')).toHaveLength(1);
    // And it takes new work.
    const again = await c.api('POST', '/v1/tasks', { targets: [a.label], command: 'echo back', wait: 20 });
    expect(again.body.runs[0]).toMatchObject({ state: 'SUCCEEDED', stdout: 'back\n' });
  }, 120_000);

  // Embedded mode has no separate channel (it is the server) and no Redis path to forge on.
  if (mode === 'production') it('SIGKILL of a channel mid-run: its agents move to the other channel and every run ends SUCCEEDED once', async () => {
    const r = await c.api('POST', '/v1/tasks', { targets: c.agents.map((a) => a.label), command: `${MARK('ck')}; sleep 2; echo done` });
    await waitFor(async () => (await c.api('GET', `/v1/tasks/${r.body.id}`)).body.counts.RUNNING === 3, { what: 'running', timeoutMs: 20_000 });
    const runs = await allRuns(c, r.body.id);
    const victim = c.channels.find((ch) => runs.some((x) => x.channelId === ch.id)) ?? c.channels[0]!;
    await victim.proc().stop('SIGKILL');
    const t = await runUntilDone(c, r.body.id);
    expect(t.counts.SUCCEEDED).toBe(3);
    for (const run of await allRuns(c, r.body.id)) {
      expect(run.stdout).toBe('done\n');
      expect(run.history.map((e: any) => e.state)).toEqual(['RECEIVED', 'DISPATCHED', 'RUNNING', 'SUCCEEDED']);
    }
    for (const a of c.agents) expect(markLines(a.markFile).filter((l) => l === 'ck')).toHaveLength(1);
    await victim.restart();
    const after = await c.api('POST', '/v1/tasks', { targets: c.agents.map((a) => a.label), command: 'echo ok', wait: 20 });
    expect(after.body.counts.SUCCEEDED).toBe(3);
  }, 120_000);

  if (mode === 'production') it('a forged or tampered run is refused by the agent with AGENT-SYS-SIGNATURE_INVALID and never executed', async () => {
    const seed = await c.api('POST', '/v1/tasks', { targets: ['host-1'], command: 'true', wait: 20 });
    const { agentId, channelId, hostId } = seed.body.runs[0];
    const sql = postgres(c.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    const redis = testRedis();
    try {
      const keyRows = await sql<Array<{ private_key_pem: string }>>`select private_key_pem from signing_keys order by created_at limit 1`;
      const realKey = signingKeyFromPem(keyRows[0]!.private_key_pem);
      const cases = [
        { name: 'forged', key: generateSigningKey(), tamper: false },
        { name: 'tampered', key: realKey, tamper: true },
      ];
      const taskIds: string[] = [];
      for (const k of cases) {
        const taskId = randomUUID();
        const runId = randomUUID();
        taskIds.push(taskId);
        // A run the proxy knows (so the refusal is recorded), delivered by someone else.
        await sql`insert into tasks (id, command, timeout_ms, lane, target_count, deadline_at)
                  values (${taskId}, 'true', 10000, 'interactive', 1, now() + interval '60 seconds')`;
        await sql`insert into task_runs (id, task_id, target, host_id, agent_id, channel_id, state, attempts, dispatched_at, deadline_at)
                  values (${runId}, ${taskId}, 'host-1', ${hostId}, ${agentId}, ${channelId}, 'DISPATCHED', 1, now() + interval '30 seconds', now() + interval '60 seconds')`;
        const now = Date.now();
        const command = `echo ${k.name} >> "$MARK_FILE"`;
        // forged: a valid signature by a key the agent does not trust; tampered: the proxy's
        // real key signed a harmless command that was then changed in transit.
        const signed = signDispatch({
          runId, taskId, agentId, command: k.tamper ? 'true' : command, argv: null, timeoutMs: 10_000, cwd: null, env: null, user: null,
          deadline: now + 10_000, issuedAt: now, nonce: newNonce(),
        }, k.key);
        const frame = { ...signed, command };
        await redis.xadd(`${c.env.TRANSPORT_PREFIX}:runs:${channelId}`, '*', 'm', JSON.stringify([{ type: 'run.dispatch', v: PROTOCOL_VERSION, frame }]));
      }
      for (const taskId of taskIds) {
        const t = await runUntilDone(c, taskId, 20_000);
        expect(t.counts.REJECTED).toBe(1);
        const [run] = await allRuns(c, taskId);
        expect(run.error).toMatchObject({ code: 'AGENT-SYS-SIGNATURE_INVALID', layer: 'AGENT' });
      }
      const marks = markLines(c.agents[1]!.markFile);
      expect(marks).not.toContain('forged');
      expect(marks).not.toContain('tampered');
    } finally {
      await sql.end();
      await redis.quit();
    }
  }, 60_000);
});
