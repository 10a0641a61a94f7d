import { parseArgs } from 'node:util';
import { loadConfig } from '../core/index.js';
import { createContext } from '../runtime/index.js';
import { autofixCmdb, autofixPolicyFromConfig } from './autofix-cmdb.js';
import type { RowError } from './cmdb-row.js';
import { parseColumnMapping } from './column-mapping.js';
import { importCmdb, type ImportCmdbResult } from './import-cmdb.js';
import { parseImportFile } from './parse-import-file.js';
import { reconcileCmdb } from './reconcile-cmdb.js';
import { syncNetbox } from './sync-netbox.js';

/** Where the command writes. */
export interface CmdbCommandIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

/** Usage of `starling cmdb`. */
export const CMDB_USAGE = [
  'usage: starling cmdb import FILE [--map field=Column,...] [--strict] [--source NAME] [--format csv|json] [--config FILE]',
  '       starling cmdb reconcile [--window-ms N] [--autofix] [--config FILE]',
  '       starling cmdb pull-netbox [--config FILE]',
  '',
  'import      CSV (header row) or JSON (array, or {"hosts": [...]}) into the CMDB; bad rows are listed with',
  '            row and line numbers; valid rows import unless --strict. Fields: external_id sn ip hostname idc owner app.',
  'reconcile   run a reconciliation now and print its counts and diff; --autofix applies the CMDB_AUTOFIX_* policy.',
  'pull-netbox import devices from CMDB_NETBOX_URL with CMDB_NETBOX_TOKEN.',
].join('\n');

function printRejected(io: CmdbCommandIo, rejected: readonly RowError[]): void {
  for (const r of rejected.slice(0, 200)) {
    const where = r.line !== undefined ? `row ${r.row} (line ${r.line})` : `row ${r.row}`;
    io.stderr.write(`${where}: ${r.errors.map((e) => `${e.field} ${e.message}`).join('; ')}\n`);
  }
  if (rejected.length > 200) io.stderr.write(`… and ${rejected.length - 200} more rejected rows\n`);
}

function printImport(io: CmdbCommandIo, r: ImportCmdbResult): number {
  io.stdout.write(`source ${r.source}: ${r.total} rows, ${r.inserted} inserted, ${r.updated} updated, ${r.unchanged} unchanged, ${r.rejected.length} rejected\n`);
  printRejected(io, r.rejected);
  return r.rejected.length > 0 ? 1 : 0;
}

/**
 * `starling cmdb import|reconcile|pull-netbox`. Exit 0 on success, 1 when rows were rejected
 * or the work failed, 2 on a usage error.
 */
export async function cmdbCommand(argv: string[], io: CmdbCommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || !['import', 'reconcile', 'pull-netbox'].includes(sub)) {
    (sub && sub !== '--help' && sub !== '-h' ? io.stderr : io.stdout).write(`${CMDB_USAGE}\n`);
    return sub && sub !== '--help' && sub !== '-h' ? 2 : 0;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string' }, map: { type: 'string' }, strict: { type: 'boolean' }, source: { type: 'string' },
      format: { type: 'string' }, 'window-ms': { type: 'string' }, autofix: { type: 'boolean' },
    },
  });
  const config = loadConfig({ file: values.config });
  if (sub === 'import') {
    const file = positionals[0];
    if (!file || (values.format && values.format !== 'csv' && values.format !== 'json')) {
      io.stderr.write(`${CMDB_USAGE}\n`);
      return 2;
    }
    // Parse and validate before opening the database: a bad file costs nothing.
    const parsed = parseImportFile(file, { format: values.format as 'csv' | 'json' | undefined });
    const mapping = values.map ? parseColumnMapping(values.map) : undefined;
    const ctx = await createContext(config);
    try {
      const source = values.source ?? (file.toLowerCase().endsWith('.json') ? 'json' : 'csv');
      const result = await importCmdb(ctx, parsed.records, {
        source, columns: parsed.columns, malformed: parsed.malformed, mapping, strict: values.strict, actor: 'cli',
      }).catch((err: { code?: string; extras?: { errors?: RowError[] } }) => {
        if (err.code === 'CMDB-USR-IMPORT_INVALID_ROWS') printRejected(io, err.extras?.errors ?? []);
        throw err;
      });
      return printImport(io, result);
    } finally {
      await ctx.close();
    }
  }
  const ctx = await createContext(config);
  try {
    if (sub === 'pull-netbox') return printImport(io, await syncNetbox(ctx));
    const windowMs = values['window-ms'] ? Number(values['window-ms']) : undefined;
    const summary = await reconcileCmdb(ctx, {
      trigger: 'cli',
      windowMs,
      progress: (p) => void io.stderr.write(`[${p.done}/${p.total}] ${p.step}\n`),
    });
    io.stdout.write(`run ${summary.runId} (previous ${summary.previousRunId ?? 'none'}) in ${summary.durationMs} ms\n`);
    for (const [k, n] of Object.entries(summary.counts)) io.stdout.write(`${k.padEnd(16)} ${n}\n`);
    io.stdout.write(`new ${summary.diff.new}, still open ${summary.diff.open}, resolved ${summary.diff.resolved}\n`);
    if (values.autofix) {
      const fixes = await autofixCmdb(ctx, summary.runId, autofixPolicyFromConfig(config), 'cli');
      io.stdout.write(`auto-fix: ${fixes.ip} IP, ${fixes.sn} SN changes\n`);
    }
    return 0;
  } finally {
    await ctx.close();
  }
}
