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

/** Statements with more parameters than this are not prepared (a list of N values is a text of its own per N). */
const MAX_PREPARED_PARAMS = 32;
/** Nor statements whose parameters' text is longer than this (a batch: one round trip more is nothing next to its cost). */
const MAX_PREPARED_BYTES = 16_384;

function small(params: unknown[] | undefined): boolean {
  if (!params) return true;
  if (params.length > MAX_PREPARED_PARAMS) return false;
  let bytes = 0;
  for (const p of params) if (typeof p === 'string') bytes += p.length;
  return bytes <= MAX_PREPARED_BYTES;
}

/**
 * The postgres.js client as drizzle should use it: small statements prepared. postgres.js runs
 * an unprepared statement that has parameters in two round trips (Parse + Describe, then Bind +
 * Execute once the server has described the parameters), and drizzle asks for unprepared ones
 * (`execute` has no name). Prepared, a statement takes one round trip from its second use on
 * a connection: the one-host `wait` command crosses five statements, and its idle latency
 * fell from ~16 to ~13 ms (bench:fanout's idle probes, 150 each). Batches are not prepared:
 * one round trip is nothing next to their cost, and preparing them too made bench:fanout's
 * fan-out ~10 % slower (a statement's cached plan then serves a one-row and a 5,000-row use).
 * Statement texts are few (set-based SQL with JSON parameters); long parameter lists are not
 * prepared, and postgres.js replaces each connection after 30–60 min, which bounds the cache.
 * Behind a pooler in transaction mode (pgbouncer before 1.21), add `?prepare=false` to
 * DATABASE_URL: postgres.js then prepares nothing. A statement whose result type a migration
 * changed under a running process fails once and is prepared again by postgres.js (inside a
 * transaction, that transaction fails).
 */
function preparing<T extends object>(client: T): T {
  const wrap = <C extends object>(c: C): C =>
    new Proxy(c, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        if (prop === 'unsafe') {
          return (query: string, params?: unknown, opts?: Record<string, unknown>) => {
            // postgres.js also takes unsafe(query, options): no parameters then.
            if (params !== undefined && !Array.isArray(params)) return value.call(target, query, [], { prepare: false, ...(params as object) });
            return value.call(target, query, params ?? [], { ...opts, prepare: small(params as unknown[] | undefined) });
          };
        }
        if (prop === 'begin' || prop === 'savepoint') {
          // Transactions and savepoints hand their callback a client of their own: wrap it too.
          return (...args: unknown[]) => {
            const fn = args.pop() as (tx: object) => unknown;
            return value.call(target, ...args, (tx: object) => fn(wrap(tx)));
          };
        }
        return value.bind(target);
      },
    });
  return wrap(client);
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
    const db = drizzlePostgres(preparing(client), { schema, logger: counter }) as unknown as Db;
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
