import { StarlingError } from '../core/index.js';
import { rows as runRows, type Db } from '../db/index.js';
import type { Context } from '../runtime/index.js';
import { validateCmdbRecords, type CmdbRow, type RawCmdbRecord, type RowError } from './cmdb-row.js';
import { resolveColumns, type ColumnMapping } from './column-mapping.js';
import { loadSqlFile, statement } from './sql-file.js';

const SQL = loadSqlFile(new URL('./sql/import-cmdb-hosts.sql', import.meta.url));

/** Options of {@link importCmdb}. */
export interface ImportCmdbOptions {
  /** Source name stored on each row and part of its identity (`csv`, `json`, `api`, `netbox`, …). Required. */
  source: string;
  /** Column names of the records (CSV header); default the keys seen in the records. */
  columns?: readonly string[] | undefined;
  /** Field → column mapping; default recognise common column names. */
  mapping?: ColumnMapping | undefined;
  /** Import nothing when any row is bad; default false (valid rows import, bad ones are listed). */
  strict?: boolean | undefined;
  /** Rows refused before validation (e.g. CSV rows with the wrong field count). */
  malformed?: readonly RowError[] | undefined;
  /** Audit actor; default `system:cmdb-import`. */
  actor?: string | undefined;
  /** Largest accepted number of records; default the CMDB_IMPORT_MAX_ROWS setting. */
  maxRows?: number | undefined;
  /** Records written per staging statement; default 5,000. */
  batchSize?: number | undefined;
}

/** What an import did. */
export interface ImportCmdbResult {
  readonly source: string;
  readonly total: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Rows refused, with row numbers and reasons, in input order. */
  readonly rejected: readonly RowError[];
}

function stageJson(batch: readonly CmdbRow[]): string {
  return JSON.stringify(
    batch.map((r) => ({
      row: r.row, external_id: r.externalId, sn: r.sn, sn_raw: r.snInvalid ? r.snRaw : null, sn_invalid: r.snInvalid,
      ip: r.ip, hostname: r.hostname, idc: r.idc, owner: r.owner, app: r.app,
    })),
  );
}

/**
 * Import CMDB records: validate every row first (row numbers and reasons for each bad one),
 * then write all valid rows in one transaction, upserting by (source, identity). With
 * `strict`, any bad row means nothing is written and CMDB-USR-IMPORT_INVALID_ROWS is thrown.
 * A row is either fully written or not at all; a failed write rolls the whole import back.
 */
export async function importCmdb(ctx: Pick<Context, 'db' | 'config'>, records: readonly RawCmdbRecord[], options: ImportCmdbOptions): Promise<ImportCmdbResult> {
  const maxRows = options.maxRows ?? ctx.config.CMDB_IMPORT_MAX_ROWS;
  const total = records.length + (options.malformed?.length ?? 0);
  if (total > maxRows) throw new StarlingError('CMDB-USR-IMPORT_TOO_LARGE', { rows: total, limit: maxRows });
  const columns = options.columns ?? [...new Set(records.flatMap((r) => Object.keys(r.values)))];
  const resolved = resolveColumns(columns, options.mapping);
  const { rows, errors } = validateCmdbRecords(records, resolved);
  const rejected = [...(options.malformed ?? []), ...errors].sort((a, b) => a.row - b.row);
  if (rejected.length > 0 && options.strict) {
    throw new StarlingError(
      'CMDB-USR-IMPORT_INVALID_ROWS',
      { rejected: rejected.length, total, imported: 0 },
      { errors: rejected.slice(0, 1000) },
    );
  }
  const source = options.source;
  const batchSize = options.batchSize ?? 5000;
  const written = await ctx.db.transaction(async (tx) => {
    const db = tx as unknown as Db;
    await db.execute(statement(SQL, 'lock').build({}));
    await db.execute(statement(SQL, 'create-stage').build({}));
    for (let i = 0; i < rows.length; i += batchSize) {
      await db.execute(statement(SQL, 'stage-batch').build({ rows: stageJson(rows.slice(i, i + batchSize)) }));
    }
    await db.execute(statement(SQL, 'upsert-owners').build({}));
    const [upd] = await runRows<{ n: number }>(db, statement(SQL, 'update-existing').build({ source }));
    const [ins] = await runRows<{ n: number }>(db, statement(SQL, 'insert-new').build({ source }));
    const updated = upd?.n ?? 0;
    const inserted = ins?.n ?? 0;
    await db.execute(
      statement(SQL, 'audit').build({
        actor: options.actor ?? 'system:cmdb-import', source,
        detail: JSON.stringify({ total, inserted, updated, unchanged: rows.length - inserted - updated, rejected: rejected.length, strict: !!options.strict }),
      }),
    );
    return { inserted, updated };
  });
  return { source, total, ...written, unchanged: rows.length - written.inserted - written.updated, rejected };
}
