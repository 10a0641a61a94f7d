import { StarlingError } from '../core/index.js';

/** The CMDB fields Starling stores; import files map their columns onto these. */
export const CMDB_FIELDS = ['external_id', 'sn', 'ip', 'hostname', 'idc', 'owner', 'app'] as const;
export type CmdbField = (typeof CMDB_FIELDS)[number];

/** Field → column name in the source file. */
export type ColumnMapping = Partial<Record<CmdbField, string>>;

/** Column names recognised without a mapping (compared case-insensitively, ignoring spaces, `-` and `_`). */
const ALIASES: Record<CmdbField, readonly string[]> = {
  external_id: ['externalid', 'id', 'assetid', 'assettag', 'ciid'],
  sn: ['sn', 'serial', 'serialnumber', 'serialno', 'servicetag'],
  ip: ['ip', 'ipaddress', 'primaryip', 'primaryip4', 'mgmtip', 'manageip'],
  hostname: ['hostname', 'host', 'name', 'fqdn'],
  idc: ['idc', 'site', 'datacenter', 'dc', 'location'],
  owner: ['owner', 'ownername', 'contact', 'tenant', 'maintainer'],
  app: ['app', 'application', 'group', 'appgroup', 'service'],
};

const squash = (s: string) => s.toLowerCase().replace(/[\s_-]+/g, '');

/**
 * Parse a mapping such as `sn=Serial Number,ip=Primary IP` (field=column pairs). Unknown
 * fields and empty columns are refused with CMDB-USR-IMPORT_MAPPING_INVALID.
 */
export function parseColumnMapping(text: string): ColumnMapping {
  const mapping: ColumnMapping = {};
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    const field = (eq > 0 ? pair.slice(0, eq) : '').trim() as CmdbField;
    const column = eq > 0 ? pair.slice(eq + 1).trim() : '';
    if (!CMDB_FIELDS.includes(field)) throw new StarlingError('CMDB-USR-IMPORT_MAPPING_INVALID', { reason: `unknown field "${field || pair}" (fields: ${CMDB_FIELDS.join(', ')})` });
    if (!column) throw new StarlingError('CMDB-USR-IMPORT_MAPPING_INVALID', { reason: `field ${field} is mapped to an empty column` });
    mapping[field] = column;
  }
  return mapping;
}

/**
 * Resolve which source column feeds each field: the explicit mapping first, then the
 * aliases over the columns present. Throws when an explicitly mapped column is absent.
 */
export function resolveColumns(columns: readonly string[], mapping: ColumnMapping = {}): Partial<Record<CmdbField, string>> {
  const out: Partial<Record<CmdbField, string>> = {};
  const bySquashed = new Map(columns.map((c) => [squash(c), c]));
  for (const field of CMDB_FIELDS) {
    const explicit = mapping[field];
    if (explicit !== undefined) {
      const hit = columns.includes(explicit) ? explicit : bySquashed.get(squash(explicit));
      if (!hit) throw new StarlingError('CMDB-USR-IMPORT_MAPPING_INVALID', { reason: `column "${explicit}" (for ${field}) is not in the input; columns: ${columns.slice(0, 20).join(', ')}` });
      out[field] = hit;
      continue;
    }
    const alias = ALIASES[field].map((a) => bySquashed.get(a)).find((c) => c !== undefined);
    if (alias) out[field] = alias;
  }
  if (!out.sn && !out.ip && !out.hostname) {
    throw new StarlingError('CMDB-USR-IMPORT_MAPPING_INVALID', { reason: `no column maps to sn, ip or hostname; columns: ${columns.slice(0, 20).join(', ')}` });
  }
  return out;
}
