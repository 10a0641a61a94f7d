// The composition root: what `starling server` mounts, and the robot's host and task lookups
// that the root builds from the proxy's verbs, on both stores.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectTarget } from '../bot/index.js';
import { botServices, serverParts } from '../cli/server-parts.js';
import { createLogger, loadConfig } from '../core/index.js';
import { agents, hosts, owners, type Database } from '../db/index.js';
import { createApp } from '../http/index.js';
import { createContext, type Context } from '../runtime/index.js';
import { testDatabases } from './helpers/db.js';

describe.each(testDatabases())('composition root on $name', (backend) => {
  let database: Database;
  let ctx: Context & { close(): Promise<void> };

  beforeAll(async () => {
    database = await backend.open();
    ctx = await createContext(loadConfig({ env: { AGENT_ENROLMENT_TOKEN: 'parts-enrolment-token-0123' } }), { log: createLogger({ level: 'silent' }), database });
  }, 60_000);
  afterAll(async () => ctx?.close());

  it('mounts every component\'s API in the OpenAPI document, guarded by API keys', async () => {
    const parts = serverParts();
    for (const p of parts) p.defineJobs?.(ctx);
    const app = createApp(ctx, {
      routes: parts.flatMap((p) => p.routes?.(ctx) ?? []),
      bodyLimits: parts.flatMap((p) => p.bodyLimits?.(ctx) ?? []),
    });
    const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    for (const path of ['/v1/tasks', '/v1/agents/register', '/v1/diagnoses', '/v1/cmdb/hosts', '/v1/cmdb/reconcile', '/v1/notify']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    for (const [method, path] of [['GET', '/v1/tasks/0190a5c4-0000-7000-8000-000000000000'], ['POST', '/v1/diagnoses'], ['PUT', '/v1/cmdb/hosts'], ['POST', '/v1/notify']] as const) {
      const res = await app.request(path, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('looks hosts up with their agent and owner, and tasks with their failed hosts', async () => {
    const s = botServices(ctx);
    const tag = randomUUID().slice(0, 6);
    const [o] = await ctx.db.insert(owners).values({ name: `Li Na ${tag}`, dingtalkUserId: `u-${tag}`, mobile: '13800000000' }).returning();
    const [h] = await ctx.db.insert(hosts).values({ ip: '127.0.0.61', sn: `SN-BOT-${tag}`.toUpperCase(), hostname: `web-${tag}.test`, idc: 'hz', ownerId: o!.id }).returning();
    await ctx.db.insert(agents).values({ id: `ag-${tag}`, hostId: h!.id, credentialHash: 'x', state: 'online', version: '1.2.3' });

    const bySn = await s.lookupHost!(detectTarget(`sn:SN-BOT-${tag}`), new AbortController().signal);
    expect(bySn).toMatchObject({ host: `web-${tag}.test`, ip: '127.0.0.61', idc: 'hz', agent: { state: 'online', version: '1.2.3' }, owner: { name: `Li Na ${tag}`, userIds: [`u-${tag}`] } });
    const byName = await s.lookupHost!(detectTarget(`web-${tag}.test`), new AbortController().signal);
    expect(byName?.sn).toBe(`SN-BOT-${tag}`.toUpperCase());
    expect(await s.lookupHost!(detectTarget('127.0.0.62'), new AbortController().signal)).toBeNull();

    const taskId = randomUUID();
    await ctx.db.execute(sql`insert into tasks (id, command, timeout_ms, lane, target_count, deadline_at) values (${taskId}, 'true', 1000, 'bulk', 3, now())`);
    await ctx.db.execute(sql`insert into task_runs (id, task_id, target, host_id, state, error_code, error_message, deadline_at, finished_at) values
      (gen_random_uuid(), ${taskId}, '127.0.0.61', ${h!.id}, 'FAILED', 'CHANNEL-ENV-AGENT_OFFLINE', 'agent offline', now(), now()),
      (gen_random_uuid(), ${taskId}, 'b', null, 'TIMED_OUT', 'AGENT-ENV-TIMEOUT', null, now(), now()),
      (gen_random_uuid(), ${taskId}, 'c', null, 'SUCCEEDED', null, null, now(), now())`);
    const t = await s.lookupTask!(taskId, new AbortController().signal);
    expect(t).toMatchObject({ id: taskId, state: 'finished with failures', counts: { FAILED: 1, TIMED_OUT: 1, SUCCEEDED: 1 } });
    expect(t!.failed.map((f) => `${f.host} ${f.code}`).sort()).toEqual(['127.0.0.61 CHANNEL-ENV-AGENT_OFFLINE', 'b AGENT-ENV-TIMEOUT']);
    expect(await s.lookupTask!(randomUUID(), new AbortController().signal)).toBeNull();
    expect(await s.lookupTask!('not-a-uuid', new AbortController().signal)).toBeNull();
  });
});
