import { z } from 'zod';
import { canonicalIp, checkPlaceholder, normalizeSerial } from '../collector/index.js';
import type { CmdbField } from './column-mapping.js';

/** A record as read from a file, the API or NetBox, with where it came from. */
export interface RawCmdbRecord {
  /** 1-based position among the records (the API's array index + 1, the JSON index + 1, the CSV data row). */
  readonly row: number;
  /** CSV: the line the record starts on. */
  readonly line?: number;
  readonly values: Readonly<Record<string, unknown>>;
}

/** A validated, normalised CMDB row, ready to write. */
export interface CmdbRow {
  readonly row: number;
  /** Identity within its source: the given external id, else `sn:<SN>`, `hostname:<name>` or `ip:<IP>`. */
  readonly externalId: string;
  /** Normalised SN; null when absent or a placeholder (then `snInvalid` says why). */
  readonly sn: string | null;
  readonly snRaw: string | null;
  readonly snInvalid: string | null;
  readonly ip: string | null;
  readonly hostname: string | null;
  readonly idc: string | null;
  readonly owner: string | null;
  readonly app: string | null;
}

/** Why one record was refused. */
export interface RowError {
  readonly row: number;
  readonly line?: number;
  readonly errors: readonly { readonly field: string; readonly message: string }[];
}

const text = (max: number) =>
  z.preprocess(
    (v) => (v === null || v === undefined ? undefined : typeof v === 'number' || typeof v === 'bigint' ? String(v) : typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim()) : v),
    z.string({ error: 'must be a string' }).max(max, `longer than ${max} characters`).optional(),
  );

const HOSTNAME = /^[a-z0-9]([a-z0-9_.-]*[a-z0-9])?$/i;

/** zod schema of one mapped record (field names are Starling's). */
export const mappedRecordSchema = z.object({
  external_id: text(200),
  sn: text(128),
  ip: text(64).refine((v) => v === undefined || canonicalIp(v.replace(/\/\d{1,3}$/, '')) !== null, 'not an IPv4 or IPv6 address'),
  hostname: text(253).refine((v) => v === undefined || HOSTNAME.test(v), 'not a valid host name'),
  idc: text(100),
  owner: text(200),
  app: text(200),
});

/**
 * Validate and normalise records: map columns onto fields, check every field (zod), put SN
 * and IP in the collector's canonical form, and refuse rows without any of sn/ip/hostname or
 * with an identity already used earlier in the same batch. A placeholder SN is not an error:
 * the row imports with `sn` null and `snInvalid` set, and reconciliation reports INVALID_SN.
 */
export function validateCmdbRecords(
  records: readonly RawCmdbRecord[],
  columns: Partial<Record<CmdbField, string>>,
): { rows: CmdbRow[]; errors: RowError[] } {
  const rows: CmdbRow[] = [];
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  for (const rec of records) {
    const mapped: Record<string, unknown> = {};
    for (const [field, column] of Object.entries(columns)) mapped[field] = rec.values[column as string];
    const parsed = mappedRecordSchema.safeParse(mapped);
    const where = { row: rec.row, ...(rec.line !== undefined && { line: rec.line }) };
    if (!parsed.success) {
      errors.push({ ...where, errors: parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(row)', message: i.message })) });
      continue;
    }
    const v = parsed.data;
    if (!v.sn && !v.ip && !v.hostname) {
      errors.push({ ...where, errors: [{ field: '(row)', message: 'has none of sn, ip, hostname' }] });
      continue;
    }
    const verdict = v.sn ? checkPlaceholder(v.sn) : null;
    const sn = v.sn && !verdict ? normalizeSerial(v.sn).value : null;
    const ip = v.ip ? canonicalIp(v.ip.replace(/\/\d{1,3}$/, '')) : null;
    const hostname = v.hostname ? v.hostname.toLowerCase() : null;
    const externalId = v.external_id ?? (sn ? `sn:${sn}` : hostname ? `hostname:${hostname}` : ip ? `ip:${ip}` : `sn-raw:${v.sn}`);
    const earlier = seen.get(externalId);
    if (earlier !== undefined) {
      errors.push({ ...where, errors: [{ field: 'external_id', message: `identity ${externalId} already used by row ${earlier} of this import` }] });
      continue;
    }
    seen.set(externalId, rec.row);
    rows.push({
      row: rec.row, externalId, sn, snRaw: v.sn ?? null, snInvalid: verdict ? verdict.reason : null, ip, hostname,
      idc: v.idc ?? null, owner: v.owner ?? null, app: v.app ?? null,
    });
  }
  return { rows, errors };
}
