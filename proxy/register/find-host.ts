import { sql } from 'drizzle-orm';
import { rows, type Db } from '../../db/index.js';

/** One host as the proxy knows it: identity facts, its agent, and its owner. */
export interface HostCard {
  id: number;
  hostname: string | null;
  ip: string | null;
  sn: string | null;
  idc: string | null;
  lastSeenAt: string | null;
  agent: { id: string; state: string; channelId: string | null; version: string | null; lastHeartbeatAt: string | null } | null;
  /** The host's own owner, else the owner of its CMDB record (matched by SN, then IP). */
  owner: { name: string; dingtalkUserId: string | null; mobile: string | null; email: string | null; source: 'host' | 'cmdb' } | null;
  /** Collected facts with provenance, as the agent reported them. */
  facts: Record<string, unknown>;
}

type Row = {
  id: number | string; hostname: string | null; ip: string | null; sn: string | null; idc: string | null; last_seen_at: Date | string | null;
  facts: Record<string, unknown> | string | null; agent: HostCard['agent'] | string | null; owner: HostCard['owner'] | string | null;
};

const parse = <T>(v: T | string | null): T | null => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

/**
 * Find a host by IP, SN, hostname or `#id` (in that order of preference) in one statement,
 * with its agent and owner. Null when no host matches.
 */
export async function findHost(db: Db, target: string): Promise<HostCard | null> {
  const t = target.trim();
  if (t.length === 0 || t.length > 255) return null;
  const id = /^#?\d{1,15}$/.test(t) ? Number(t.replace('#', '')) : null;
  const [r] = await rows<Row>(
    db,
    sql`select h.id, h.hostname, h.ip, h.sn, h.idc, h.last_seen_at, h.facts,
          (select json_build_object('id', a.id, 'state', a.state, 'channelId', a.channel_id, 'version', a.version,
                    'lastHeartbeatAt', a.last_heartbeat_at)
             from agents a where a.host_id = h.id order by a.updated_at desc limit 1) as agent,
          coalesce(
            (select json_build_object('name', o.name, 'dingtalkUserId', o.dingtalk_user_id, 'mobile', o.mobile, 'email', o.email, 'source', 'host')
               from owners o where o.id = h.owner_id),
            (select json_build_object('name', o.name, 'dingtalkUserId', o.dingtalk_user_id, 'mobile', o.mobile, 'email', o.email, 'source', 'cmdb')
               from cmdb_hosts c join owners o on o.id = c.owner_id
              where (h.sn is not null and c.sn = h.sn) or (h.ip is not null and c.ip = h.ip)
              order by (c.sn = h.sn) desc nulls last, c.updated_at desc limit 1)
          ) as owner
        from hosts h
        where h.ip = ${t} or h.sn = ${t} or h.hostname = ${t} ${id !== null ? sql`or h.id = ${id}` : sql``}
        order by (h.ip = ${t}) desc, (h.sn = ${t}) desc nulls last, (h.hostname = ${t}) desc nulls last, h.id
        limit 1`,
  );
  if (!r) return null;
  const agent = parse<NonNullable<HostCard['agent']>>(r.agent);
  return {
    id: Number(r.id), hostname: r.hostname, ip: r.ip, sn: r.sn, idc: r.idc, lastSeenAt: iso(r.last_seen_at),
    agent: agent && { ...agent, lastHeartbeatAt: agent.lastHeartbeatAt ? new Date(agent.lastHeartbeatAt).toISOString() : null },
    owner: parse<NonNullable<HostCard['owner']>>(r.owner),
    facts: parse<Record<string, unknown>>(r.facts) ?? {},
  };
}
