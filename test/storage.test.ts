import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, hosts, migrate, openDatabase, owners, rows, type Database } from '../db/index.js';
import { testDatabases } from './helpers/db.js';

describe.each(testDatabases())('storage on $name', (backend) => {
  let database: Database;
  beforeAll(async () => {
    database = await backend.open();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('applies migrations idempotently', async () => {
    await migrate(database);
    await migrate(database);
    const [r] = await rows<{ n: number }>(database.db, sql`select count(*)::int as n from hosts`);
    expect(r?.n).toBe(0);
  });

  it('writes and reads a host with its owner and jsonb facts', async () => {
    const [owner] = await database.db.insert(owners).values({ name: 'db-team', dingtalkUserId: 'u123' }).returning();
    const [host] = await database.db
      .insert(hosts)
      .values({ sn: 'SN1', ip: '10.0.0.1', hostname: 'h1', idc: 'hz', ownerId: owner!.id, facts: { sn: { source: 'dmi' } } })
      .returning();
    const [back] = await database.db.select().from(hosts).where(eq(hosts.id, host!.id));
    expect(back?.facts).toEqual({ sn: { source: 'dmi' } });
    expect(back?.ownerId).toBe(owner!.id);
    expect(back?.createdAt).toBeInstanceOf(Date);
  });

  it('rolls back a failed transaction, audit row included', async () => {
    await expect(
      database.db.transaction(async (tx) => {
        await tx.insert(auditLog).values({ actor: 'test', action: 'x', subjectType: 'host' });
        await tx.insert(owners).values({ name: 'db-team' }); // violates owners_name_uq
      }),
    ).rejects.toThrow();
    const [r] = await rows<{ n: number }>(database.db, sql`select count(*)::int as n from audit_log`);
    expect(r?.n).toBe(0);
  });

  it('counts statements and answers ping', async () => {
    const before = database.statements;
    await database.db.select().from(hosts);
    await database.db.select().from(owners);
    expect(database.statements - before).toBe(2);
    await expect(database.ping()).resolves.toBeUndefined();
  });
});

describe('embedded PGlite on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'starling-pglite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps data across close and reopen', async () => {
    const first = await openDatabase({ dataDir: dir });
    await migrate(first);
    await first.db.insert(owners).values({ name: 'persisted' });
    await first.close();
    await first.close(); // safe twice

    const second = await openDatabase({ dataDir: dir });
    await migrate(second);
    const names = (await second.db.select().from(owners)).map((o) => o.name);
    await second.close();
    expect(names).toEqual(['persisted']);
  });
});

describe('Postgres outage', () => {
  it('ping fails with PROXY-DEP-DATABASE_UNAVAILABLE when nothing listens', async () => {
    const d = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/none', connectTimeoutSeconds: 2 });
    await expect(d.ping()).rejects.toMatchObject({ code: 'PROXY-DEP-DATABASE_UNAVAILABLE' });
    await d.close();
  });
});
