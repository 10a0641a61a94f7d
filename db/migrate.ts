import { fileURLToPath } from 'node:url';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { Database } from './database.js';

/** Folder of the drizzle-kit generated, append-only migrations. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));

// Arbitrary but fixed key for the advisory lock that serialises migrations across processes
// (a proxy and a channel starting together against one Postgres).
const MIGRATION_LOCK_KEY = 0x5354_4152; // "STAR"

const pgliteRuns = new WeakMap<Database, Promise<void>>();

/**
 * Apply every pending migration. One function for the CLI, the tests, PGlite and Postgres.
 * On Postgres it holds an advisory lock so concurrent starts (proxy and channel) do not race.
 */
export async function migrate(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    // PGlite lives in this process only: serialise concurrent calls on the same handle.
    const previous = pgliteRuns.get(database) ?? Promise.resolve();
    const run = previous
      .catch(() => {})
      .then(() => migratePglite(database.db as unknown as PgliteDatabase, { migrationsFolder: MIGRATIONS_FOLDER }));
    pgliteRuns.set(database, run);
    return run;
  }
  await database.withAdvisoryLock(MIGRATION_LOCK_KEY, () =>
    migratePostgres(database.db as unknown as PostgresJsDatabase, { migrationsFolder: MIGRATIONS_FOLDER }),
  );
}
