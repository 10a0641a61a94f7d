import { desc, eq, inArray, sql } from 'drizzle-orm';
import { diagnoses, hosts, type Db } from '../../db/index.js';
import type { Diagnosis } from '../diagnosis.js';

/** Write many diagnoses in one statement. */
export async function insertDiagnoses(db: Db, list: Diagnosis[]): Promise<void> {
  if (list.length === 0) return;
  await db.insert(diagnoses).values(
    list.map((d) => ({
      id: d.id,
      target: d.target,
      hostId: d.host?.id ?? null,
      runId: d.runId,
      runCode: d.runCode,
      outcome: d.verdict.outcome,
      code: d.verdict.code,
      rule: d.verdict.rule,
      causeEn: d.verdict.cause.en,
      causeZh: d.verdict.cause.zh,
      verdict: { ...d.verdict, host: d.host } as unknown as Record<string, unknown>,
      durationMs: d.durationMs,
      startedAt: new Date(d.startedAt),
    })),
  );
}

type Row = typeof diagnoses.$inferSelect;

function fromRow(r: Row): Diagnosis {
  const { host, ...verdict } = r.verdict as unknown as Diagnosis['verdict'] & { host: Diagnosis['host'] };
  return {
    id: r.id,
    target: r.target,
    host: host ?? null,
    runId: r.runId,
    runCode: r.runCode,
    verdict,
    startedAt: r.startedAt.toISOString(),
    durationMs: r.durationMs,
    createdAt: r.createdAt.toISOString(),
    link: `/v1/diagnoses/${r.id}`,
  };
}

/** One diagnosis by id, or null. */
export async function findDiagnosis(db: Db, id: string): Promise<Diagnosis | null> {
  const [r] = await db.select().from(diagnoses).where(eq(diagnoses.id, id)).limit(1);
  return r ? fromRow(r) : null;
}

/**
 * The newest diagnosis of each of these hosts made at or after `since`, in one statement
 * (never one per host). Hosts without one are absent from the map.
 */
export async function latestDiagnosesOfHosts(db: Db, hostIds: number[], since: Date): Promise<Map<number, Diagnosis>> {
  const ids = [...new Set(hostIds)];
  if (ids.length === 0) return new Map();
  const found = await db
    .selectDistinctOn([diagnoses.hostId])
    .from(diagnoses)
    .where(sql`${inArray(diagnoses.hostId, ids)} and ${diagnoses.createdAt} >= ${since.toISOString()}::timestamptz`)
    .orderBy(diagnoses.hostId, desc(diagnoses.createdAt));
  return new Map(found.map((r) => [r.hostId!, fromRow(r)]));
}

/** The newest diagnosis of a host, or null. */
export async function latestDiagnosisOfHost(db: Db, hostId: number): Promise<Diagnosis | null> {
  const [r] = await db.select().from(diagnoses).where(eq(diagnoses.hostId, hostId)).orderBy(desc(diagnoses.createdAt)).limit(1);
  return r ? fromRow(r) : null;
}

/** Whether a host id exists. */
export async function hostExists(db: Db, hostId: number): Promise<boolean> {
  const r = await db.select({ id: hosts.id }).from(hosts).where(eq(hosts.id, hostId)).limit(1);
  return r.length > 0;
}

/** Count stored diagnoses, all or those with the given ids (benchmarks, tests). */
export async function countDiagnoses(db: Db, ids?: string[]): Promise<number> {
  if (ids && ids.length === 0) return 0;
  const q = db.select({ n: sql<number>`count(*)` }).from(diagnoses);
  const [r] = ids ? await q.where(inArray(diagnoses.id, ids)) : await q;
  return Number(r?.n ?? 0);
}
