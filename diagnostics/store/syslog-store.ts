import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inArray, or, sql } from 'drizzle-orm';
import { hosts, syslogEvents, type Db } from '../../db/index.js';
import type { SyslogEventInput } from '../syslog/syslog-receiver.js';

const COLUMNS = ['host_id', 'sender_ip', 'transport', 'received_at', 'reported_at', 'format', 'facility', 'severity', 'hostname', 'app', 'pid', 'message', 'kind', 'pattern_id'] as const;
type Row = Record<(typeof COLUMNS)[number], string | number | null>;

interface CopyClient {
  (strings: TemplateStringsArray, ...values: unknown[]): { writable(): Promise<NodeJS.WritableStream> };
  unsafe: unknown;
}

// postgres.js under drizzle (not inside a transaction): COPY is ~3× faster than any INSERT
// for thousands of rows (measured: 61 vs 164 ms per 2,000 rows on a loaded 2-core box).
// drizzle exposes the driver as `$client`; PGlite's is not a postgres.js function.
function postgresClient(db: Db): CopyClient | null {
  const c = (db as unknown as { $client?: unknown }).$client;
  return typeof c === 'function' && 'unsafe' in c ? (c as CopyClient) : null;
}

// COPY text format: tab-separated, \N for null, backslash escapes (only when needed: most fields need none).
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const copyEscape = (v: string | number | null): string => {
  if (v === null) return '\\N';
  const s = typeof v === 'number' ? String(v) : v;
  return NEEDS_ESCAPE.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s;
};

async function copyRows(client: CopyClient, rows: Row[]): Promise<void> {
  const text = rows.map((r) => COLUMNS.map((c) => copyEscape(r[c])).join('\t')).join('\n') + '\n';
  const w = await client`copy syslog_events (host_id, sender_ip, transport, received_at, reported_at, format, facility, severity, hostname, app, pid, message, kind, pattern_id) from stdin`.writable();
  await pipeline(Readable.from([text]), w);
}

/** Options of {@link createSyslogStore}. */
export interface SyslogStoreOptions {
  /** How long a sender→host mapping is trusted, in ms; default 60,000. */
  mappingTtlMs?: number;
  /** Most cached mappings; default 100,000 (the cache is cleared when full). */
  maxMappings?: number;
}

/**
 * The receiver's batch writer: maps senders to hosts (by sender IP, then by the message's
 * HOSTNAME field) with one lookup per batch for unseen senders, cached for a short TTL,
 * then writes the whole batch at once: COPY on postgres.js, one INSERT … SELECT FROM
 * jsonb_to_recordset on PGlite or inside a transaction.
 */
export function createSyslogStore(getDb: () => Db, options: SyslogStoreOptions = {}): (events: SyslogEventInput[]) => Promise<void> {
  const ttl = options.mappingTtlMs ?? 60_000;
  const max = options.maxMappings ?? 100_000;
  const byIp = new Map<string, { hostId: number | null; at: number }>();
  const byName = new Map<string, { hostId: number | null; at: number }>();
  return async (events) => {
    if (events.length === 0) return;
    const db = getDb();
    const now = Date.now();
    const fresh = (m: Map<string, { at: number }>, k: string) => {
      const v = m.get(k);
      return v !== undefined && now - v.at < ttl;
    };
    const ips = [...new Set(events.map((e) => e.senderIp).filter((ip) => !fresh(byIp, ip)))];
    const names = [...new Set(events.map((e) => e.hostname).filter((n): n is string => !!n && !fresh(byName, n)))];
    if (ips.length || names.length) {
      if (byIp.size > max) byIp.clear();
      if (byName.size > max) byName.clear();
      const found = await db.select({ id: hosts.id, ip: hosts.ip, hostname: hosts.hostname }).from(hosts)
        .where(or(...(ips.length ? [inArray(hosts.ip, ips)] : []), ...(names.length ? [inArray(hosts.hostname, names)] : [])));
      for (const ip of ips) byIp.set(ip, { hostId: found.find((h) => h.ip === ip)?.id ?? null, at: now });
      for (const n of names) byName.set(n, { hostId: found.find((h) => h.hostname === n)?.id ?? null, at: now });
    }
    // One statement with one parameter: the batch as a JSON array expanded by jsonb_to_recordset.
    // Much cheaper than a 15-parameters-per-row VALUES list for batches of thousands.
    const batch: Row[] = events.map((e) => ({
      host_id: byIp.get(e.senderIp)?.hostId ?? (e.hostname ? byName.get(e.hostname)?.hostId ?? null : null),
      sender_ip: e.senderIp,
      transport: e.transport,
      received_at: e.receivedAt.toISOString(),
      reported_at: e.reportedAt?.toISOString() ?? null,
      format: e.format,
      facility: e.facility,
      severity: e.severity,
      hostname: e.hostname,
      app: e.app,
      pid: e.pid,
      message: e.message,
      kind: e.kind,
      pattern_id: e.patternId,
    }));
    const client = postgresClient(db);
    if (client) {
      await copyRows(client, batch);
      return;
    }
    await db.execute(sql`
      insert into ${syslogEvents} (host_id, sender_ip, transport, received_at, reported_at, format, facility, severity, hostname, app, pid, message, kind, pattern_id)
      select host_id, sender_ip, transport, received_at, reported_at, format, facility, severity, hostname, app, pid, message, kind, pattern_id
      from jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) as x(host_id bigint, sender_ip text, transport text, received_at timestamptz, reported_at timestamptz,
        format text, facility smallint, severity smallint, hostname text, app text, pid text, message text, kind text, pattern_id text)`);
  };
}
