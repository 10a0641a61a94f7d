import { desc, inArray, or, sql } from 'drizzle-orm';
import { agents, cmdbHosts, hosts, owners, rows, type Db } from '../../db/index.js';
import type { AgentFacts, UnackedRun } from '../checks/agent-check.js';
import type { SyslogEventView } from '../checks/syslog-check.js';
import type { OwnerInfo } from '../verdict/decide-verdict.js';
import type { LoadSample, MountSample } from '../types.js';
import type { SyslogKind } from '../syslog/patterns.js';

/** A host as the diagnosis needs it. */
export interface HostRecord {
  id: number;
  sn: string | null;
  ip: string | null;
  hostname: string | null;
  ownerId: number | null;
  facts: Record<string, unknown>;
}

/** Everything stored about one host that the checks read. */
export interface HostEvidence {
  agent: AgentFacts | null;
  unacked: UnackedRun | null;
  /** Heartbeat samples, oldest first (bounded). */
  metrics: Array<{ at: Date; load1: number | null; cpus: number | null; mounts: MountSample[] }>;
  cmdb: { sn: string | null; ip: string | null; hostname: string | null; ownerId: number | null } | null;
  owner: OwnerInfo | null;
  /** Classified syslog events in the window, oldest first (bounded). */
  syslog: SyslogEventView[];
  syslogTotal: number;
  syslogEarliest: Date | null;
}

const hostColumns = { id: hosts.id, sn: hosts.sn, ip: hosts.ip, hostname: hosts.hostname, ownerId: hosts.ownerId, facts: hosts.facts };

/**
 * Resolve targets (IP, SN, hostname, or `#<id>` / a numeric host id) to hosts in one query.
 * Returns one entry per target, null when Starling does not know it. IP wins over SN over
 * hostname when several hosts match.
 */
export async function resolveTargets(db: Db, targets: string[]): Promise<Array<HostRecord | null>> {
  const names = [...new Set(targets.filter((t) => t.length > 0 && t.length <= 255))];
  if (names.length === 0) return targets.map(() => null);
  const ids = names.map((t) => /^#?\d{1,15}$/.exec(t) ? Number(t.replace('#', '')) : null).filter((n): n is number => n !== null);
  const found = await db
    .select(hostColumns)
    .from(hosts)
    .where(or(inArray(hosts.ip, names), inArray(hosts.sn, names), inArray(hosts.hostname, names), ...(ids.length ? [inArray(hosts.id, ids)] : [])));
  const by = (pick: (h: HostRecord) => string | null) => {
    const m = new Map<string, HostRecord>();
    for (const h of found) {
      const k = pick(h);
      if (k && !m.has(k)) m.set(k, h);
    }
    return m;
  };
  const byIp = by((h) => h.ip), bySn = by((h) => h.sn), byName = by((h) => h.hostname), byId = by((h) => String(h.id));
  return targets.map((t) => byIp.get(t) ?? bySn.get(t) ?? byName.get(t) ?? (/^#?\d+$/.test(t) ? byId.get(t.replace('#', '')) : undefined) ?? null);
}

/** Options of {@link loadEvidence}. */
export interface LoadEvidenceOptions {
  /** Start of the window for metrics and syslog. */
  since: Date;
  /** Most heartbeat samples per host; default 120. */
  maxMetrics?: number;
  /** Most classified syslog events per host; default 200. */
  maxSyslog?: number;
}

/**
 * Load the stored evidence of many hosts with one statement per table (never one per
 * host): agents, oldest un-acked runs, recent heartbeat metrics, CMDB rows, owners and
 * classified syslog events.
 */
export async function loadEvidence(db: Db, list: HostRecord[], options: LoadEvidenceOptions): Promise<Map<number, HostEvidence>> {
  const out = new Map<number, HostEvidence>();
  if (list.length === 0) return out;
  const ids = list.map((h) => h.id);
  const idArray = sql`array[${sql.join(ids.map((i) => sql`${i}`), sql`, `)}]::bigint[]`;
  const ips = list.map((h) => h.ip).filter((x): x is string => !!x);
  const sns = list.map((h) => h.sn).filter((x): x is string => !!x);
  const names = list.map((h) => h.hostname).filter((x): x is string => !!x);
  const maxMetrics = options.maxMetrics ?? 120;
  const maxSyslog = options.maxSyslog ?? 200;
  const since = sql`${options.since.toISOString()}::timestamptz`;
  const hostIpArray = sql`array[${sql.join(list.map((h) => sql`${h.ip}`), sql`, `)}]::text[]`;
  const ipArray = ips.length ? sql`array[${sql.join(ips.map((i) => sql`${i}`), sql`, `)}]::text[]` : sql`array[]::text[]`;

  const [agentRows, unackedRows, metricRows, cmdbRows, syslogRows, syslogCounts] = await Promise.all([
    db.select().from(agents).where(inArray(agents.hostId, ids)).orderBy(desc(agents.lastHeartbeatAt)),
    rows<{ host_id: string | number; id: string; dispatched_at: string | Date }>(db, sql`
      select distinct on (host_id) host_id, id, dispatched_at from task_runs
      where host_id = any(${idArray}) and state = 'DISPATCHED' and dispatched_at is not null
      order by host_id, dispatched_at asc`),
    rows<{ host_id: string | number; at: string | Date; load1: number | null; cpus: number | null; mounts: MountSample[] | string }>(db, sql`
      select host_id, at, load1, cpus, mounts from (
        select host_id, at, load1, cpus, mounts, row_number() over (partition by host_id order by at desc) as rn
        from host_metrics where host_id = any(${idArray}) and at >= ${options.since.toISOString()}::timestamptz
      ) m where rn <= ${maxMetrics} order by host_id, at asc`),
    sns.length || ips.length || names.length
      ? db.select({ sn: cmdbHosts.sn, ip: cmdbHosts.ip, hostname: cmdbHosts.hostname, ownerId: cmdbHosts.ownerId }).from(cmdbHosts)
          .where(or(...(sns.length ? [inArray(cmdbHosts.sn, sns)] : []), ...(ips.length ? [inArray(cmdbHosts.ip, ips)] : []), ...(names.length ? [inArray(cmdbHosts.hostname, names)] : [])))
      : Promise.resolve([]),
    rows<{ host_id: string | number | null; sender_ip: string; received_at: string | Date; reported_at: string | Date | null; app: string | null; message: string; kind: string; pattern_id: string | null }>(db, sql`
      select host_id, sender_ip, received_at, reported_at, app, message, kind, pattern_id from (
        select *, row_number() over (partition by coalesce(host_id, -1), sender_ip order by received_at desc, id desc) as rn
        from syslog_events
        where (host_id = any(${idArray}) or sender_ip = any(${ipArray})) and kind is not null and received_at >= ${options.since.toISOString()}::timestamptz
      ) e where rn <= ${maxSyslog} order by received_at asc, id asc`),
    // Per host: the arrival of its earliest line in the window and a count capped at 10,000 —
    // index lookups only, so a chatty host does not turn a diagnosis into a table scan.
    rows<{ host_id: string | number; n: string | number; earliest: string | Date | null }>(db, sql`
      select h.id as host_id,
        (select count(*) from (select 1 from syslog_events e where e.host_id = h.id and e.received_at >= ${since} limit 10000) a)
          + (select count(*) from (select 1 from syslog_events e where h.ip is not null and e.host_id is null and e.sender_ip = h.ip and e.received_at >= ${since} limit 10000) b) as n,
        least(
          (select min(e.received_at) from syslog_events e where e.host_id = h.id and e.received_at >= ${since}),
          (select min(e.received_at) from syslog_events e where h.ip is not null and e.host_id is null and e.sender_ip = h.ip and e.received_at >= ${since})
        ) as earliest
      from unnest(${idArray}, ${hostIpArray}) as h(id, ip)`),
  ]);

  const ownerIds = new Set<number>();
  for (const h of list) if (h.ownerId) ownerIds.add(h.ownerId);
  for (const c of cmdbRows) if (c.ownerId) ownerIds.add(c.ownerId);
  const ownerRows = ownerIds.size ? await db.select().from(owners).where(inArray(owners.id, [...ownerIds])) : [];
  const ownerById = new Map(ownerRows.map((o) => [o.id, o]));
  const ownerInfo = (id: number | null, source: OwnerInfo['source']): OwnerInfo | null => {
    const o = id ? ownerById.get(id) : undefined;
    return o ? { name: o.name, dingtalkUserId: o.dingtalkUserId, mobile: o.mobile, email: o.email, source } : null;
  };
  const hostIdByIp = new Map(list.filter((h) => h.ip).map((h) => [h.ip!, h.id]));
  const ownerOf = (row: { host_id: string | number | null; sender_ip: string }) => (row.host_id !== null ? Number(row.host_id) : hostIdByIp.get(row.sender_ip));

  for (const h of list) {
    out.set(h.id, { agent: null, unacked: null, metrics: [], cmdb: null, owner: null, syslog: [], syslogTotal: 0, syslogEarliest: null });
  }
  for (const a of agentRows) {
    const e = out.get(a.hostId);
    if (e && !e.agent) e.agent = { agentId: a.id, state: a.state, channelId: a.channelId, lastHeartbeatAt: a.lastHeartbeatAt, health: a.health ?? {} };
  }
  for (const r of unackedRows) {
    const e = out.get(Number(r.host_id));
    if (e) e.unacked = { runId: r.id, dispatchedAt: new Date(r.dispatched_at) };
  }
  for (const r of metricRows) {
    const e = out.get(Number(r.host_id));
    if (e) e.metrics.push({ at: new Date(r.at), load1: r.load1 === null ? null : Number(r.load1), cpus: r.cpus === null ? null : Number(r.cpus), mounts: typeof r.mounts === 'string' ? JSON.parse(r.mounts) : r.mounts ?? [] });
  }
  for (const h of list) {
    const e = out.get(h.id)!;
    const norm = (v: string | null) => (v ?? '').trim().toLowerCase();
    const match = cmdbRows.find((c) => h.sn && norm(c.sn) === norm(h.sn)) ?? cmdbRows.find((c) => h.ip && c.ip === h.ip) ?? cmdbRows.find((c) => h.hostname && c.hostname === h.hostname);
    if (match) e.cmdb = match;
    e.owner = ownerInfo(match?.ownerId ?? null, 'cmdb') ?? ownerInfo(h.ownerId, 'host');
  }
  for (const r of syslogRows) {
    const id = ownerOf(r);
    const e = id !== undefined ? out.get(id) : undefined;
    if (e) e.syslog.push({ receivedAt: new Date(r.received_at), reportedAt: r.reported_at ? new Date(r.reported_at) : null, app: r.app, message: r.message, kind: r.kind as SyslogKind, patternId: r.pattern_id });
  }
  for (const r of syslogCounts) {
    const e = out.get(Number(r.host_id));
    if (!e) continue;
    e.syslogTotal = Number(r.n);
    e.syslogEarliest = r.earliest ? new Date(r.earliest) : null;
  }
  return out;
}

/** Classified syslog events of a sender IP that maps to no host (for targets unknown to Starling). */
export async function loadSenderSyslog(db: Db, ip: string, since: Date, max = 200): Promise<{ events: SyslogEventView[]; total: number; earliest: Date | null }> {
  const [ev, cnt] = await Promise.all([
    rows<{ received_at: string | Date; reported_at: string | Date | null; app: string | null; message: string; kind: string; pattern_id: string | null }>(db, sql`
      select received_at, reported_at, app, message, kind, pattern_id from syslog_events
      where sender_ip = ${ip} and kind is not null and received_at >= ${since.toISOString()}::timestamptz
      order by received_at desc, id desc limit ${max}`),
    rows<{ n: string | number; earliest: string | Date | null }>(db, sql`
      select count(*) as n, min(received_at) as earliest from syslog_events where sender_ip = ${ip} and received_at >= ${since.toISOString()}::timestamptz`),
  ]);
  return {
    events: ev.reverse().map((r) => ({ receivedAt: new Date(r.received_at), reportedAt: r.reported_at ? new Date(r.reported_at) : null, app: r.app, message: r.message, kind: r.kind as SyslogKind, patternId: r.pattern_id })),
    total: Number(cnt[0]?.n ?? 0),
    earliest: cnt[0]?.earliest ? new Date(cnt[0].earliest) : null,
  };
}

/** Latest load/mount samples of a host's heartbeat history, split into current and history. */
export function splitMetrics(metrics: HostEvidence['metrics']): { mounts: MountSample[] | null; mountsAt: Date | null; current: LoadSample | null; history: LoadSample[] } {
  const withMounts = [...metrics].reverse().find((m) => m.mounts.length > 0);
  const loads = metrics.filter((m) => m.load1 !== null).map((m) => ({ at: m.at, load1: m.load1!, cpus: m.cpus ?? 1 }));
  return { mounts: withMounts?.mounts ?? null, mountsAt: withMounts?.at ?? null, current: loads.at(-1) ?? null, history: loads.slice(0, -1) };
}

/** The CMDB record and owner of a target Starling's hosts table does not know, if the CMDB has it. */
export async function lookupCmdbTarget(db: Db, target: string): Promise<{ cmdb: HostEvidence['cmdb']; owner: OwnerInfo | null }> {
  const [c] = await db.select({ sn: cmdbHosts.sn, ip: cmdbHosts.ip, hostname: cmdbHosts.hostname, ownerId: cmdbHosts.ownerId }).from(cmdbHosts)
    .where(or(inArray(cmdbHosts.ip, [target]), inArray(cmdbHosts.sn, [target]), inArray(cmdbHosts.hostname, [target]))).limit(1);
  if (!c) return { cmdb: null, owner: null };
  const [o] = c.ownerId ? await db.select().from(owners).where(inArray(owners.id, [c.ownerId])).limit(1) : [];
  return { cmdb: c, owner: o ? { name: o.name, dingtalkUserId: o.dingtalkUserId, mobile: o.mobile, email: o.email, source: 'cmdb' } : null };
}
