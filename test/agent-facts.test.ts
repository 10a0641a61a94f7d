import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../agent/index.js';
import { collectFacts } from '../collector/index.js';
import { agents, hostFactHistory, hosts } from '../db/index.js';
import type { AgentFacts, RegisterRequest } from '../protocol/index.js';
import { testDatabases } from './helpers/db.js';
import { startProxyHarness, TEST_ENROLMENT_TOKEN, type ProxyHarness } from './helpers/proxy-harness.js';
import { waitFor } from './helpers/wait-for.js';

const FIXTURE = new URL('../collector/fixtures/normal-server', import.meta.url).pathname;

describe.each(testDatabases())('agent: facts refresh on $name', ({ open }) => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('re-registers once when its collected facts change, keeps its connection, and the host records the change', async () => {
    const h: ProxyHarness = await startProxyHarness({ database: await open() });
    cleanup.push(() => h.close());
    // Count registrations the proxy answers (the route calls core.register for each).
    const registrations: RegisterRequest[] = [];
    const register = h.core.register.bind(h.core);
    h.core.register = (req) => {
      registrations.push(req);
      return register(req);
    };

    // The real collector over a copy of a machine fixture; the IP changes by writing the override file.
    const dir = mkdtempSync(join(tmpdir(), 'starling-facts-'));
    const root = join(dir, 'root');
    cpSync(FIXTURE, root, { recursive: true });
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    let collections = 0;
    const facts = (): AgentFacts => {
      collections++;
      const f = collectFacts({ root, dmidecode: () => null });
      const ips = [...new Set([f.ip.value, ...f.addresses.map((a) => a.address)].filter((x): x is string => !!x))];
      return { hostname: f.hostname.value, ip: f.ip.value, ips, sn: f.sn.value, collected: JSON.parse(JSON.stringify(f)) as Record<string, unknown> };
    };
    const start = (factsIntervalMs = 50) => startAgent({
      server: h.http.url, stateDir: join(dir, 'state'), enrolmentToken: TEST_ENROLMENT_TOKEN, facts, factsIntervalMs,
      backoff: { baseMs: 50, maxMs: 300 },
    });
    const intervals = (n: number) => {
      const target = collections + n;
      return waitFor(() => collections >= target, { what: `${n} fact collections` });
    };
    const agentRow = async (id: string) => (await h.ctx.db.select().from(agents).where(eq(agents.id, id)))[0];
    const hostRow = async (id: number) => (await h.ctx.db.select().from(hosts).where(eq(hosts.id, id)))[0]!;
    const history = (id: number) => h.ctx.db.select().from(hostFactHistory).where(eq(hostFactHistory.hostId, id)).orderBy(asc(hostFactHistory.id));

    let agent: RunningAgent = await start();
    cleanup.push(() => agent.close());
    const agentId = await waitFor(() => (agent.channelId() && agent.agentId()) || undefined, { what: 'agent connected' });
    const online = await waitFor(async () => {
      const a = await agentRow(agentId);
      return a?.state === 'online' && a.connectedAt ? a : undefined;
    }, { what: 'agent online' });
    const hostId = online.hostId;
    expect(await hostRow(hostId)).toMatchObject({ sn: '7XK2QH3', ip: '10.20.0.15', hostname: 'db-prod-01' });
    expect(registrations).toHaveLength(1);

    // Unchanged facts: collected every interval, never sent again.
    await intervals(4);
    expect(registrations).toHaveLength(1);

    // The machine's IP changes (an override file appears).
    mkdirSync(join(root, 'etc/starling'), { recursive: true });
    writeFileSync(join(root, 'etc/starling/ip'), '10.99.0.8\n');
    await waitFor(async () => (await hostRow(hostId)).ip === '10.99.0.8', { what: 'host IP updated' });
    await intervals(4);
    expect(registrations).toHaveLength(2);
    expect(registrations[1]).toMatchObject({ agentId, facts: { ip: '10.99.0.8' } });
    expect(registrations[1]!.credential).toBeDefined();
    const change = (await history(hostId)).filter((x) => x.field === 'ip').at(-1)!;
    expect(change).toMatchObject({ oldValue: '10.20.0.15', newValue: '10.99.0.8' });
    expect(change.provenance).toMatchObject({ source: 'override', specVersion: 'v1', path: '/etc/starling/ip' });
    // Same identity, same connection: the channel did not see a reconnect.
    expect(agent.agentId()).toBe(agentId);
    expect(agent.channelId()).toBe(h.channel!.channelId);
    const after = await agentRow(agentId);
    expect(after).toMatchObject({ state: 'online', hostId });
    expect(after!.connectedAt).toEqual(online.connectedAt);

    // Facts changed while the agent was down: a restart with the saved identity sends them at
    // once, not an interval later (the interval is an hour here).
    await agent.close();
    writeFileSync(join(root, 'etc/starling/ip'), '10.99.0.9\n');
    const sentDigest = join(dir, 'state/facts-sent.sha256');
    const digestBefore = readFileSync(sentDigest, 'utf8');
    agent = await start(3_600_000);
    await waitFor(async () => (await hostRow(hostId)).ip === '10.99.0.9', { what: 'host IP updated after restart' });
    await waitFor(() => readFileSync(sentDigest, 'utf8') !== digestBefore, { what: 'agent took the answer' });
    expect(registrations).toHaveLength(3);
    expect(registrations[2]).toMatchObject({ agentId, facts: { ip: '10.99.0.9' } });

    // A restart with unchanged facts sends nothing.
    await agent.close();
    agent = await start();
    await waitFor(() => agent.channelId() ?? undefined, { what: 'agent reconnected' });
    await intervals(4);
    expect(registrations).toHaveLength(3);
    expect((await history(hostId)).filter((x) => x.field === 'ip').map((x) => x.newValue)).toEqual(['10.20.0.15', '10.99.0.8', '10.99.0.9']);
  });
});
