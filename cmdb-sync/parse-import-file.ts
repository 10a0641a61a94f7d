import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { StarlingError } from '../core/index.js';
import type { RawCmdbRecord } from './cmdb-row.js';

/** A parsed import file: its column names and records, plus rows that could not even be read. */
export interface ParsedImport {
  readonly columns: string[];
  readonly records: RawCmdbRecord[];
  /** Structural problems of single rows (wrong field count), reported like validation errors. */
  readonly malformed: { row: number; line?: number; errors: { field: string; message: string }[] }[];
}

/** Options of {@link parseImportFile}. */
export interface ParseImportOptions {
  /** `csv` or `json`; default from the file extension (`.json` is JSON, anything else CSV). */
  format?: 'csv' | 'json' | undefined;
  /** Largest file accepted, in bytes; default 512 MiB. */
  maxBytes?: number | undefined;
}

/** Parse CSV text with a header row. A row with the wrong number of fields is reported, not guessed at. */
export function parseCsvText(text: string): ParsedImport {
  let out: { record: string[]; info: { lines: number } }[];
  try {
    out = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, info: true }) as unknown as typeof out;
  } catch (err) {
    throw new StarlingError('CMDB-USR-IMPORT_UNREADABLE', { file: 'CSV input', reason: (err as Error).message });
  }
  const [head, ...body] = out;
  const columns = (head?.record ?? []).map((c) => c.trim());
  const records: RawCmdbRecord[] = [];
  const malformed: ParsedImport['malformed'] = [];
  body.forEach(({ record, info }, i) => {
    const row = i + 1;
    if (record.length !== columns.length) {
      malformed.push({ row, line: info.lines, errors: [{ field: '(row)', message: `has ${record.length} fields, the header has ${columns.length}` }] });
      return;
    }
    const values: Record<string, string> = {};
    columns.forEach((c, j) => (values[c] = record[j] ?? ''));
    records.push({ row, line: info.lines, values });
  });
  return { columns, records, malformed };
}

/** Parse JSON text: an array of objects, or `{ "hosts": [...] }`. */
export function parseJsonText(text: string): ParsedImport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new StarlingError('CMDB-USR-IMPORT_UNREADABLE', { file: 'JSON input', reason: (err as Error).message });
  }
  const list = Array.isArray(doc) ? doc : (doc as { hosts?: unknown })?.hosts;
  if (!Array.isArray(list)) throw new StarlingError('CMDB-USR-IMPORT_UNREADABLE', { file: 'JSON input', reason: 'expected an array of objects or {"hosts": [...]}' });
  const columns = new Set<string>();
  const records: RawCmdbRecord[] = [];
  const malformed: ParsedImport['malformed'] = [];
  list.forEach((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      malformed.push({ row: i + 1, errors: [{ field: '(row)', message: 'is not an object' }] });
      return;
    }
    for (const k of Object.keys(item)) columns.add(k);
    records.push({ row: i + 1, values: item as Record<string, unknown> });
  });
  return { columns: [...columns], records, malformed };
}

/** Read and parse a CMDB import file (CSV with a header row, or JSON). */
export function parseImportFile(file: string, options: ParseImportOptions = {}): ParsedImport {
  const maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > maxBytes) throw new Error(`file is ${size} bytes, the limit is ${maxBytes}`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new StarlingError('CMDB-USR-IMPORT_UNREADABLE', { file, reason: (err as Error).message });
  }
  const format = options.format ?? (extname(file).toLowerCase() === '.json' ? 'json' : 'csv');
  try {
    return format === 'json' ? parseJsonText(text) : parseCsvText(text);
  } catch (err) {
    if (err instanceof StarlingError) throw new StarlingError('CMDB-USR-IMPORT_UNREADABLE', { file, reason: String(err.params.reason) });
    throw err;
  }
}
