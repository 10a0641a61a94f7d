import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { rows, type Database } from '../db/index.js';
import { HOST_SEEN_REFRESH_MS } from '../proxy/lifecycle/apply-channel-messages.js';
import { PROTOCOL_VERSION, type ChannelToProxy } from '../protocol/index.js';
import { simHeartbeat } from './helpers/agent-sim.js';
import { applyChannelMessagesForTest } from './helpers/proxy-internals.js';
import { testDatabases } from './helpers/db.js';

describe.each(testDatabases())('hosts.last_seen_at from heartbeats on $name', ({ open }) => {
  let database: Database | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  it('is set by the first metrics sample and then moves at most every HOST_SEEN_REFRESH_MS', async () => {
    database = await open();
    const db = database.db;
    await db.execute(sql`insert into hosts (id, hostname, ip, sn) values (7001, 'seen-1', '10.9.0.1', 'SEEN1')`);
    await db.execute(sql`insert into agents (id, host_id, credential_hash, state) values ('seen-agent', 7001, 'x', 'online')`);
    const beat = (): ChannelToProxy[] => {
      const hb = simHeartbeat(1);
      return [{ type: 'agent.heartbeats', v: PROTOCOL_VERSION, channelId: 'ch-seen', items: [{ agentId: 'seen-agent', at: Date.now(), health: hb.health, metrics: hb.metrics }] }];
    };
    const seen = async () => (await rows<{ t: string | null }>(db, sql`select last_seen_at::text as t from hosts where id = 7001`))[0]!.t;

    expect(await seen()).toBeNull();
    await applyChannelMessagesForTest(db, beat());
    const first = await seen();
    expect(first).not.toBeNull();
    // A later sample within the refresh period leaves the row alone (its host_metrics row is still written).
    await applyChannelMessagesForTest(db, beat());
    expect(await seen()).toBe(first);
    expect((await rows<{ n: number }>(db, sql`select count(*)::int as n from host_metrics where host_id = 7001`))[0]!.n).toBe(2);
    // Once the stored time is older than the period, the next sample moves it.
    await db.execute(sql`update hosts set last_seen_at = now() - make_interval(secs => ${HOST_SEEN_REFRESH_MS / 1000 + 1}) where id = 7001`);
    const stale = await seen();
    await applyChannelMessagesForTest(db, beat());
    const moved = await seen();
    expect(moved).not.toBe(stale);
    expect(Date.parse(moved!)).toBeGreaterThan(Date.parse(stale!) + HOST_SEEN_REFRESH_MS);
  });
});
