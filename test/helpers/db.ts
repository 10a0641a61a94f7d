import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { migrate, openDatabase, type Database } from '../../db/index.js';

/** Admin URL of the real Postgres used by integration tests (trust auth). */
export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A backend a behaviour suite runs against. */
export interface TestDatabaseBackend {
  name: 'pglite' | 'postgres';
  /** Open a fresh, migrated, empty database; `close()` also drops it (Postgres). */
  open(): Promise<Database>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Create a throw-away Postgres database and return its URL and a drop function. The name is
 * random so parallel test files (and engineers) never collide.
 */
export async function createScratchPostgres(prefix = 'starling_t'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(TEST_POSTGRES_URL, name),
    async drop() {
      const a = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}

/** Open a fresh migrated Postgres database that is dropped on close. */
export async function openScratchPostgres(): Promise<Database & { url: string }> {
  const scratch = await createScratchPostgres();
  const database = await openDatabase({ url: scratch.url, maxConnections: 4 });
  await migrate(database);
  let closing: Promise<void> | undefined;
  return Object.assign(Object.create(database) as Database, {
    url: scratch.url,
    close: () =>
      (closing ??= (async () => {
        await database.close();
        await scratch.drop();
      })()),
  }) as Database & { url: string };
}

/** Open a fresh migrated in-memory PGlite database. */
export async function openMemoryPglite(): Promise<Database> {
  const database = await openDatabase({ dataDir: null });
  await migrate(database);
  return database;
}

/** The two storage backends every storage behaviour suite runs against. */
export function testDatabases(): TestDatabaseBackend[] {
  return [
    { name: 'pglite', open: openMemoryPglite },
    { name: 'postgres', open: openScratchPostgres },
  ];
}
