import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { CollectedFacts } from '../../collector/index.js';
import { recordHostFacts } from '../../cmdb-sync/index.js';
import { rows, type Db } from '../../db/index.js';
import { PROTOCOL_VERSION, type ChannelEndpoint, type RegisteredResponse, type RegisterRequest } from '../../protocol/index.js';
import type { Context } from '../../runtime/index.js';
import { hashSecret, newSecret, safeEqual } from '../auth/secrets.js';
import type { ProxySigningKeys } from '../auth/load-signing-key.js';
import { parseCollectedFacts } from './collected-facts.js';

const json = (v: unknown) => sql`${JSON.stringify(v)}::json`;

interface Plan {
  req: RegisterRequest;
  idc: string;
  hostKey: string;
  /** The collector's document, when the agent sent a usable one: its values win over the plain facts. */
  collected: CollectedFacts | null;
  /** Identity the host is matched and stored by. */
  sn: string | null;
  ip: string | null;
  hostname: string | null;
  hostId?: number;
  agentId?: string;
  credential?: string;
  /** The presented credential verified: keep it, write nothing for the agent unless it moved. */
  keepCredential: boolean;
}

/** Channels of the given IDCs that reported in recently, least loaded first (`leaving` last). */
export async function channelsByIdc(db: Db, idcs: string[]): Promise<Map<string, ChannelEndpoint[]>> {
  const found = await rows<{ id: string; idc: string; url: string; connections: number; capacity: number }>(
    db,
    sql`select id, idc, url, connections, capacity from channels
        where state = 'up' and idc in (select value from json_array_elements_text(${json(idcs)}))
          and (last_seen_at is null or last_seen_at > now() - interval '30 seconds')`,
  );
  const out = new Map<string, ChannelEndpoint[]>();
  for (const c of found) {
    const load = c.capacity > 0 ? c.connections / c.capacity : 0;
    const list = out.get(c.idc) ?? [];
    list.push({ id: c.id, url: c.url, load, connections: c.connections, capacity: c.capacity });
    out.set(c.idc, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.load - b.load || (a.connections ?? 0) - (b.connections ?? 0));
  return out;
}

/**
 * Register many agents in one transaction with set-based statements: verify presented
 * credentials, match hosts by SN then primary IP, insert new hosts and update only changed
 * ones, record collected facts with their history (cmdb-sync's `recordHostFacts`, one
 * statement for the batch), issue agent ids and credentials (stored as SHA-256 only), and
 * answer each with the channels of its IDC ordered by load, the heartbeat interval and the
 * signing public keys. A host keeps one agent identity: a re-installed agent on a known host
 * gets the host's agent id back with a new credential.
 */
export async function registerAgents(ctx: Context, requests: RegisterRequest[], keys: ProxySigningKeys): Promise<RegisteredResponse[]> {
  const defaultIdc = ctx.config.EMBEDDED_CHANNEL_IDC;
  const plans: Plan[] = requests.map((req) => {
    const idc = req.idc ?? defaultIdc;
    const collected = parseCollectedFacts(req.facts.collected);
    // The agent derives the plain facts from the collected ones; should a request disagree, the
    // collected values (the ones stored with provenance) decide, so no column gets two values.
    const sn = collected ? collected.sn.value : req.facts.sn;
    const ip = collected ? collected.ip.value : req.facts.ip;
    const hostname = collected?.hostname.value ?? req.facts.hostname;
    const hostKey = sn ? `sn:${sn}` : ip ? `ip:${ip}` : hostname ? `hn:${hostname}` : `new:${randomUUID()}`;
    return { req, idc, hostKey, collected, sn, ip, hostname, keepCredential: false };
  });

  return ctx.db.transaction(async (tx) => {
    // 1. Presented identities.
    const presented = plans.filter((p) => p.req.agentId && p.req.credential).map((p) => p.req.agentId!);
    const known = presented.length
      ? await rows<{ id: string; host_id: string | number; credential_hash: string }>(
          tx,
          sql`select id, host_id, credential_hash from agents where id in (select value from json_array_elements_text(${json(presented)}))`,
        )
      : [];
    const knownById = new Map(known.map((a) => [a.id, a]));
    for (const p of plans) {
      const a = p.req.agentId ? knownById.get(p.req.agentId) : undefined;
      if (a && p.req.credential && safeEqual(a.credential_hash, hashSecret(p.req.credential))) {
        p.agentId = a.id;
        p.hostId = Number(a.host_id);
        p.credential = p.req.credential;
        p.keepCredential = true;
      }
    }

    // 2. Hosts by SN, then IP, then hostname (for agents that are not yet known).
    const open = plans.filter((p) => p.hostId === undefined);
    const sns = [...new Set(open.map((p) => p.sn).filter((s): s is string => !!s))];
    const ips = [...new Set(open.map((p) => p.ip).filter((s): s is string => !!s))];
    const names = [...new Set(open.filter((p) => !p.sn && !p.ip).map((p) => p.hostname).filter((s): s is string => !!s))];
    if (open.length) {
      const hosts = await rows<{ id: string | number; sn: string | null; ip: string | null; hostname: string | null }>(
        tx,
        sql`select id, sn, ip, hostname from hosts
            where sn in (select value from json_array_elements_text(${json(sns)}))
               or ip in (select value from json_array_elements_text(${json(ips)}))
               or hostname in (select value from json_array_elements_text(${json(names)}))
            order by id`,
      );
      const bySn = new Map<string, number>();
      const byIp = new Map<string, number>();
      const byName = new Map<string, number>();
      for (const h of hosts) {
        if (h.sn && !bySn.has(h.sn)) bySn.set(h.sn, Number(h.id));
        if (h.ip && !byIp.has(h.ip)) byIp.set(h.ip, Number(h.id));
        if (h.hostname && !byName.has(h.hostname)) byName.set(h.hostname, Number(h.id));
      }
      for (const p of open) {
        // An SN is the strongest identity: an IP only matches a host that has no other SN.
        p.hostId = (p.sn ? bySn.get(p.sn) : undefined) ?? (p.ip ? byIp.get(p.ip) : undefined) ?? (!p.sn && !p.ip && p.hostname ? byName.get(p.hostname) : undefined);
      }
    }

    // 3. New hosts: ids drawn from the sequence first, so each request knows its row.
    const newKeys = [...new Set(plans.filter((p) => p.hostId === undefined).map((p) => p.hostKey))];
    const freshHosts = new Set<number>();
    if (newKeys.length) {
      const ids = await rows<{ id: string | number }>(
        tx,
        sql`select nextval(pg_get_serial_sequence('hosts', 'id')) as id from generate_series(1, ${newKeys.length})`,
      );
      const idByKey = new Map(newKeys.map((k, i) => [k, Number(ids[i]!.id)]));
      for (const id of idByKey.values()) freshHosts.add(id);
      for (const p of plans) if (p.hostId === undefined) p.hostId = idByKey.get(p.hostKey)!;
    }
    // One plan per host (the last one in the batch wins), so both writes below agree.
    const planByHost = new Map<number, Plan>();
    for (const p of plans) planByHost.set(p.hostId!, p);
    // Insert new hosts and update changed ones in one statement; unchanged rows are not written.
    // A host with collected facts gets its SN, IP, hostname and facts document from
    // recordHostFacts (next statement), which compares them with the stored ones and writes
    // history; here such a row only gets its IDC and agent version (a new one is inserted
    // with the identity columns empty, so its first values enter the history too).
    const hostRows = [...planByHost].map(([id, p]) => {
      const recorded = p.collected !== null;
      return {
        id, fresh: freshHosts.has(id), recorded, idc: p.idc, agent_version: p.req.agentVersion,
        sn: recorded ? null : p.sn, ip: recorded ? null : p.ip,
        hostname: recorded && p.collected!.hostname.value !== null ? null : p.hostname,
        facts: recorded ? {} : { ips: p.req.facts.ips, ...(p.req.facts.collected && { collected: p.req.facts.collected }) },
      };
    });
    await tx.execute(sql`
      with x as (
        select * from json_to_recordset(${json(hostRows)})
          as x(id bigint, fresh boolean, recorded boolean, sn text, ip text, hostname text, idc text, agent_version text, facts jsonb)
      ), ins as (
        insert into hosts (id, sn, ip, hostname, idc, agent_version, facts, last_seen_at)
        select x.id, x.sn, x.ip, x.hostname, x.idc, x.agent_version, x.facts, now() from x where x.fresh
        returning 1
      ), upd as (
        update hosts h set idc = x.idc, agent_version = x.agent_version,
          sn = case when x.recorded then h.sn else x.sn end, ip = case when x.recorded then h.ip else x.ip end,
          hostname = case when x.recorded then h.hostname else x.hostname end,
          facts = case when x.recorded then h.facts else x.facts end, updated_at = now()
        from x
        where h.id = x.id and not x.fresh
          and ((h.idc, h.agent_version) is distinct from (x.idc, x.agent_version)
               or (not x.recorded and (h.sn, h.ip, h.hostname, h.facts) is distinct from (x.sn, x.ip, x.hostname, x.facts)))
        returning 1
      )
      select (select count(*) from ins) as inserted, (select count(*) from upd) as updated`);
    // Collected facts: columns, document and one history row per changed field, for the whole
    // batch in one statement; hosts whose facts did not change are not written.
    // `last_seen_at` is left to heartbeats (seenAt null), as for hosts without a collector.
    const factUpdates = [...planByHost].flatMap(([hostId, p]) => (p.collected ? [{ hostId, facts: p.collected, seenAt: null }] : []));
    if (factUpdates.length) await recordHostFacts({ db: tx }, factUpdates);

    // 4. Agent identities: the host's existing agent, or a new one; new credential unless verified.
    const hostsWithout = [...new Set(plans.filter((p) => !p.agentId).map((p) => p.hostId!))];
    if (hostsWithout.length) {
      const existing = await rows<{ id: string; host_id: string | number }>(
        tx,
        sql`select distinct on (host_id) id, host_id from agents
            where host_id in (select value::bigint from json_array_elements_text(${json(hostsWithout.map(String))}))
            order by host_id, updated_at desc`,
      );
      const byHost = new Map(existing.map((a) => [Number(a.host_id), a.id]));
      const fresh = new Map<number, string>();
      for (const p of plans) {
        if (p.agentId) continue;
        p.agentId = byHost.get(p.hostId!) ?? fresh.get(p.hostId!) ?? `agt_${randomUUID()}`;
        fresh.set(p.hostId!, p.agentId);
      }
    }
    const credByAgent = new Map<string, string>();
    for (const p of plans) {
      if (!p.keepCredential) p.credential = credByAgent.get(p.agentId!) ?? newSecret();
      credByAgent.set(p.agentId!, p.credential!);
    }
    const agentRows = new Map<string, object>();
    for (const p of plans) {
      agentRows.set(p.agentId!, {
        id: p.agentId, host_id: p.hostId, credential_hash: hashSecret(p.credential!), version: p.req.agentVersion,
      });
    }
    await tx.execute(sql`
      insert into agents (id, host_id, credential_hash, version)
      select x.id, x.host_id, x.credential_hash, x.version
      from json_to_recordset(${json([...agentRows.values()])}) as x(id text, host_id bigint, credential_hash text, version text)
      on conflict (id) do update set host_id = excluded.host_id, credential_hash = excluded.credential_hash, version = excluded.version, updated_at = now()
      where (agents.host_id, agents.credential_hash, agents.version) is distinct from (excluded.host_id, excluded.credential_hash, excluded.version)`);

    // 5. Channels of each IDC, least loaded first; the one being left goes last.
    const channels = await channelsByIdc(tx, [...new Set(plans.map((p) => p.idc))]);
    const now = ctx.clock.now();
    return plans.map((p): RegisteredResponse => {
      const list = [...(channels.get(p.idc) ?? [])];
      const leaving = p.req.leavingChannelId;
      if (leaving) list.sort((a, b) => Number(a.id === leaving) - Number(b.id === leaving));
      return {
        type: 'registered', v: PROTOCOL_VERSION, agentId: p.agentId!, credential: p.credential!, hostId: p.hostId!,
        heartbeatMs: ctx.config.AGENT_HEARTBEAT_MS, channels: list, signingKeys: keys.trusted, serverTime: now,
      };
    });
  });
}

/**
 * Check agents' credentials in one query: true where the credential is the agent's current
 * one (constant-time comparison of SHA-256 hashes). The channel's authenticator seam.
 */
export async function verifyAgentCredentials(db: Db, creds: Array<{ agentId: string; credential: string }>): Promise<boolean[]> {
  if (creds.length === 0) return [];
  const found = await rows<{ id: string; credential_hash: string }>(
    db,
    sql`select id, credential_hash from agents where id in (select value from json_array_elements_text(${json([...new Set(creds.map((c) => c.agentId))])}))`,
  );
  const byId = new Map(found.map((a) => [a.id, a.credential_hash]));
  return creds.map((c) => {
    const h = byId.get(c.agentId);
    return h !== undefined && safeEqual(h, hashSecret(c.credential));
  });
}
