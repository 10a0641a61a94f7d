import { and, asc, eq, gt, or, type SQL } from 'drizzle-orm';
import { cmdbFindings, owners, type Db } from '../db/index.js';

/** Filters of {@link findFindings}; every one is optional. */
export interface FindingFilter {
  kind?: string | undefined;
  /** `new`, `open`, `resolved`. */
  state?: string | undefined;
  /** `host`, `cmdb`, `both`. */
  side?: string | undefined;
  /** Owner name. */
  owner?: string | undefined;
  /** Matches either side's SN. */
  sn?: string | undefined;
  /** Matches either side's IP. */
  ip?: string | undefined;
  /** Return findings with id greater than this (keyset paging); default from the start. */
  after?: number | undefined;
  /** Page size; default 100. */
  limit?: number | undefined;
}

/** A finding as the API returns it, owner resolved. */
export interface FindingView {
  id: number;
  runId: number;
  kind: string;
  state: string;
  side: string;
  key: string;
  host: { id: number | null; sn: string | null; ip: string | null };
  cmdb: { id: number | null; sn: string | null; ip: string | null };
  hostname: string | null;
  owner: { id: number; name: string; dingtalkUserId: string | null } | null;
  detail: Record<string, unknown>;
  fixedAt: string | null;
}

/** One page of a run's findings, filtered, in id order, with the cursor of the next page. */
export async function findFindings(ctx: { db: Db }, runId: number, filter: FindingFilter = {}): Promise<{ items: FindingView[]; nextAfter: number | null }> {
  const limit = Math.min(filter.limit ?? 100, 1000);
  const where: SQL[] = [eq(cmdbFindings.runId, runId)];
  if (filter.kind) where.push(eq(cmdbFindings.kind, filter.kind));
  if (filter.state) where.push(eq(cmdbFindings.state, filter.state));
  if (filter.side) where.push(eq(cmdbFindings.side, filter.side));
  if (filter.owner) where.push(eq(owners.name, filter.owner));
  if (filter.sn) where.push(or(eq(cmdbFindings.hostSn, filter.sn), eq(cmdbFindings.cmdbSn, filter.sn))!);
  if (filter.ip) where.push(or(eq(cmdbFindings.hostIp, filter.ip), eq(cmdbFindings.cmdbIp, filter.ip))!);
  if (filter.after !== undefined) where.push(gt(cmdbFindings.id, filter.after));
  const list = await ctx.db
    .select({ f: cmdbFindings, o: owners })
    .from(cmdbFindings)
    .leftJoin(owners, eq(owners.id, cmdbFindings.ownerId))
    .where(and(...where))
    .orderBy(asc(cmdbFindings.id))
    .limit(limit + 1);
  const page = list.slice(0, limit);
  return {
    items: page.map(({ f, o }) => ({
      id: f.id, runId: f.runId, kind: f.kind, state: f.state, side: f.side, key: f.key,
      host: { id: f.hostId, sn: f.hostSn, ip: f.hostIp },
      cmdb: { id: f.cmdbHostId, sn: f.cmdbSn, ip: f.cmdbIp },
      hostname: f.hostname,
      owner: o ? { id: o.id, name: o.name, dingtalkUserId: o.dingtalkUserId } : null,
      detail: f.detail,
      fixedAt: f.fixedAt ? f.fixedAt.toISOString() : null,
    })),
    nextAfter: list.length > limit ? (page.at(-1)?.f.id ?? null) : null,
  };
}
