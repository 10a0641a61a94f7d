// Production process layout of the jobs: HTTP processes that only queue (`starling server
// --no-workers`, `starling proxy` with JOBS_WORKERS=false) and a `starling worker` that
// processes, as real processes on Postgres and Redis with a fake DingTalk.
import { Queue, type Job } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { groupMessage, signedHeaders, TEST_APP_SECRET } from './helpers/bot-harness.js';
import { createScratchPostgres } from './helpers/db.js';
import { startFakeDingtalk } from './helpers/fake-dingtalk.js';
import { startStarling, type StarlingProcess } from './helpers/process.js';
import { deleteKeys, testRedis, TEST_REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { waitFor } from './helpers/wait-for.js';

const running: StarlingProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const p of running) await p.stop('SIGKILL');
  for (const c of cleanups.reverse()) await c();
});

const queuesOf = (prefix: string, names: string[]) => {
  const redis = new URL(TEST_REDIS_URL);
  const connection = { host: redis.hostname, port: Number(redis.port || 6379) };
  return names.map((name) => new Queue(name, { connection, prefix }));
};

describe('HTTP processes without job workers, and a `starling worker`', () => {
  it('the worker alone processes signed mentions; the HTTP processes declare each schedule once', async () => {
    const scratch = await createScratchPostgres();
    const fake = await startFakeDingtalk();
    const prefix = uniquePrefix('worker');
    cleanups.push(async () => {
      await fake.close();
      await scratch.drop();
      const r = testRedis();
      await deleteKeys(r, prefix);
      await r.quit();
    });
    const env = {
      DATABASE_URL: scratch.url, REDIS_URL: TEST_REDIS_URL, JOBS_PREFIX: prefix, TRANSPORT_PREFIX: prefix, HOST: '127.0.0.1', PORT: '0',
      EMBEDDED_CHANNEL_PORT: '0', DINGTALK_APP_SECRET: TEST_APP_SECRET, DINGTALK_API_BASE: fake.url, DINGTALK_WEBHOOK_HOSTS: '127.0.0.1',
      BOT_CONVERSATIONS: '*',
      // Hourly, so no scheduled run is taken during the test and each schedule's pending run can be counted.
      DIAG_FAILED_RUNS_EVERY_MS: '3600000', CMDB_RECONCILE_EVERY_MS: '3600000',
    };

    // The worker first: it processes, but declares no schedule.
    const worker = startStarling(['worker'], env);
    running.push(worker);
    const started = await worker.waitForRecord((r) => r.msg === 'starling worker started', 60_000);
    const names = started.queues as string[];
    expect(names).toEqual(expect.arrayContaining(['bot.command', 'bot.deliver', 'bot.prune', 'diagnose', 'cmdb.reconcile']));
    const queues = queuesOf(prefix, names);
    cleanups.push(async () => void (await Promise.all(queues.map((q) => q.close()))));
    const schedulerIds = async () => (await Promise.all(queues.map((q) => q.getJobSchedulers()))).flat().map((s) => s.key);
    expect(await schedulerIds()).toEqual([]);
    const workerUrl = started.url as string;
    expect((await fetch(`${workerUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${workerUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, unknown> }).checks).toMatchObject({
      database: { ok: true, kind: 'postgres' }, redis: { ok: true }, jobs: { ok: true, kind: 'bullmq', queues: names.length },
    });
    expect((await fetch(`${workerUrl}/v1/tasks`)).status).toBe(404);

    // Two HTTP processes with workers off, as a production deployment runs several proxies.
    const server = startStarling(['server', '--no-workers'], env);
    running.push(server);
    const proxy = startStarling(['proxy'], { ...env, JOBS_WORKERS: 'false' });
    running.push(proxy);
    const [serverUp, proxyUp] = await Promise.all(
      [server, proxy].map((p) => p.waitForRecord((r) => r.msg === 'starling server listening', 60_000)),
    );
    expect(serverUp).toMatchObject({ jobs: 'bullmq', workers: false });
    expect(proxyUp).toMatchObject({ jobs: 'bullmq', workers: false });
    // Declared by both, held once, each with exactly one run not yet taken. (A run the worker is
    // processing right now is not counted: BullMQ adds the schedule's next run when it takes one.)
    expect((await schedulerIds()).sort()).toEqual(['bot-prune', 'cmdb-reconcile-schedule', 'failed-runs', 'syslog-prune', 'task-prune']);
    const pending = (await Promise.all(queues.map((q) => q.getJobs(['delayed', 'waiting', 'prioritized'])))).flat() as Job[];
    const runsPerSchedule = new Map<string, number>();
    for (const j of pending) if (j.repeatJobKey) runsPerSchedule.set(j.repeatJobKey, (runsPerSchedule.get(j.repeatJobKey) ?? 0) + 1);
    expect(Object.fromEntries(runsPerSchedule)).toEqual({ 'bot-prune': 1, 'cmdb-reconcile-schedule': 1, 'failed-runs': 1, 'syslog-prune': 1, 'task-prune': 1 });

    // A correctly signed mention to each HTTP process; the replies come from the worker.
    const mentions = [serverUp!, proxyUp!].map((up) => ({ url: up.url as string, message: groupMessage(fake, 'help') }));
    for (const { url, message } of mentions) {
      const res = await fetch(`${url}/bot/dingtalk`, { method: 'POST', headers: signedHeaders(), body: JSON.stringify(message) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ msgtype: 'empty' });
    }
    for (const { message } of mentions) {
      const reply = await waitFor(() => fake.requests.find((r) => r.query.session === `s-${message.msgId as string}`), {
        timeoutMs: 20_000, what: 'the reply on the session webhook',
      });
      expect((reply.body as { msgtype: string }).msgtype).toBe('markdown');
      expect((reply.body as { markdown: { text: string } }).markdown.text).toContain('diag');
    }
    const [commandQueue, deliverQueue] = ['bot.command', 'bot.deliver'].map((n) => queues[names.indexOf(n)]!);
    const commands = ((await commandQueue!.getCompleted()) as Job[]).filter((j) =>
      mentions.some((m) => (j.data as { message: { messageId: string } }).message.messageId === m.message.msgId),
    );
    const deliveries = await waitFor(async () => {
      const done = (await deliverQueue!.getCompleted()) as Job[];
      return done.length >= mentions.length && done;
    }, { what: 'completed deliveries' });
    expect(commands).toHaveLength(2);
    for (const j of [...commands, ...deliveries]) expect(j.processedBy).toMatch(new RegExp(`:${worker.child.pid}$`));

    // The worker's /metrics shows the queues it serves.
    const metrics = await (await fetch(`${workerUrl}/metrics`)).text();
    expect(metrics).toMatch(/starling_jobs\{queue="bot.command",state="completed"\} 2/);

    // Clean shutdown of every role.
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(worker.records.some((r) => r.msg === 'stopped')).toBe(true);
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(await proxy.stop('SIGTERM')).toBe(0);
  }, 120_000);
});
