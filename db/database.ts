import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Logger as DrizzleLogger } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { StarlingError, type Logger } from '../core/index.js';
import * as schema from './schema/index.js';

/** The drizzle database, whichever driver is underneath; a transaction has the same shape. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Which engine holds the data. */
export type DatabaseKind = 'postgres' | 'pglite';

/** An open database and its lifecycle. */
export interface Database {
  readonly db: Db;
  readonly kind: DatabaseKind;
  /** Where the data is: the redacted URL's host/db for Postgres, the directory (or `memory`) for PGlite. */
  readonly location: string;
  /** SQL statements issued through drizzle since opening; benchmarks print it. */
  readonly statements: number;
  /** Round-trip a trivial query; throws PROXY-DEP-DATABASE_UNAVAILABLE when the database does not answer. */
  ping(): Promise<void>;
  /**
   * Run `fn` while holding a Postgres session advisory lock on a reserved connection, so
   * processes sharing the database serialise (migrations, singleton sweeps). PGlite lives
   * in one process; it runs `fn` directly.
   */
  withAdvisoryLock<T>(key: number, fn: () => Promise<T>): Promise<T>;
  /** Close connections (Postgres) or flush and close the embedded engine (PGlite). Safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** PostgreSQL URL; unset: embedded PGlite. */
  url?: string | undefined;
  /** PGlite data directory parent (the database lives in `<dataDir>/pglite`); null: in memory. Default `./.starling`. */
  dataDir?: string | null | undefined;
  /** Logger for connection notices and slow statements; default none. */
  log?: Logger | undefined;
  /** Postgres pool size; default 10. */
  maxConnections?: number;
  /** Seconds to wait for a Postgres connection before failing; default 10. */
  connectTimeoutSeconds?: number;
}

class StatementCounter implements DrizzleLogger {
  count = 0;
  logQuery(): void {
    this.count++;
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'postgres';
  }
}

/**
 * Open the database: postgres.js when a URL is given, embedded PGlite (a real Postgres in
 * WASM) otherwise. Both speak the same schema and migrations.
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const counter = new StatementCounter();
  if (options.url) {
    const client = postgres(options.url, {
      max: options.maxConnections ?? 10,
      connect_timeout: options.connectTimeoutSeconds ?? 10,
      onnotice: () => {},
      // Reconnects are handled by the pool: a broken connection is dropped and the next query opens a new one.
    });
    const db = drizzlePostgres(client, { schema, logger: counter }) as unknown as Db;
    let closing: Promise<void> | undefined;
    return {
      db,
      kind: 'postgres',
      location: redactUrl(options.url),
      get statements() {
        return counter.count;
      },
      async ping() {
        try {
          await client`select 1`;
        } catch (err) {
          throw new StarlingError('PROXY-DEP-DATABASE_UNAVAILABLE', { reason: (err as Error).message }, {}, { cause: err });
        }
      },
      async withAdvisoryLock(key, fn) {
        const conn = await client.reserve();
        try {
          await conn`select pg_advisory_lock(${key})`;
          try {
            return await fn();
          } finally {
            await conn`select pg_advisory_unlock(${key})`;
          }
        } finally {
          conn.release();
        }
      },
      close: () => (closing ??= client.end({ timeout: 5 })),
    };
  }
  const dataDir = options.dataDir === undefined ? './.starling' : options.dataDir;
  let dir: string | undefined;
  if (dataDir !== null) {
    dir = resolve(join(dataDir, 'pglite'));
    mkdirSync(dir, { recursive: true });
  }
  const client = dir ? new PGlite(dir) : new PGlite();
  await client.waitReady;
  const db = drizzlePglite(client, { schema, logger: counter }) as unknown as Db;
  let closing: Promise<void> | undefined;
  return {
    db,
    kind: 'pglite',
    location: dir ?? 'memory',
    get statements() {
      return counter.count;
    },
    async ping() {
      try {
        await client.query('select 1');
      } catch (err) {
        throw new StarlingError('PROXY-DEP-DATABASE_UNAVAILABLE', { reason: (err as Error).message }, {}, { cause: err });
      }
    },
    withAdvisoryLock: (_key, fn) => fn(),
    close: () => (closing ??= client.close()),
  };
}
