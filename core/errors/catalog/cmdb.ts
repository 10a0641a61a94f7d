import type { LayerCatalog } from '../types.js';

/** Errors raised by the collector, CMDB import and reconciliation. */
export const cmdbErrors = {
  'CMDB-USR-COLLECT_BAD_ARGUMENT': {
    status: 400, retryable: false, actor: 'caller',
    title: 'Bad collect argument',
    message: 'starling collect does not understand {arg}.',
    remedy: 'Run `starling collect [--root DIR] [--json]`.',
  },
  'CMDB-USR-COLLECT_ROOT_NOT_FOUND': {
    status: 400, retryable: false, actor: 'caller',
    title: 'Collection root not found',
    message: 'The collection root {root} is not a directory.',
    remedy: 'Point --root at a directory holding a captured sys/, proc/ and etc/, or leave it out to read this machine.',
  },
  'CMDB-ENV-NO_VALID_SN': {
    status: 422, retryable: false, actor: 'host-owner',
    title: 'No valid serial number',
    message: 'The machine has no valid serial number ({reason}).',
    remedy: 'Write the real serial into /etc/starling/sn, or fix the firmware (DMI) serial; placeholder values such as "To Be Filled By O.E.M." are never used.',
  },
  'CMDB-ENV-NO_PRIMARY_IP': {
    status: 422, retryable: false, actor: 'host-owner',
    title: 'No primary IP',
    message: 'The machine has no usable primary IP address.',
    remedy: 'Give the machine a default route on a physical interface, or write its IP into /etc/starling/ip.',
  },
  'CMDB-USR-IMPORT_UNREADABLE': {
    status: 400, retryable: false, actor: 'caller',
    title: 'CMDB import file unreadable',
    message: 'Cannot read the CMDB import {file}: {reason}',
    remedy: 'Check the path and that the file is CSV (with a header row) or a JSON array of objects.',
  },
  'CMDB-USR-IMPORT_TOO_LARGE': {
    status: 413, retryable: false, actor: 'caller',
    title: 'CMDB import too large',
    message: 'The CMDB import has {rows} rows; the limit is {limit}.',
    remedy: 'Split the import into several batches, or raise CMDB_IMPORT_MAX_ROWS.',
  },
  'CMDB-USR-IMPORT_MAPPING_INVALID': {
    status: 400, retryable: false, actor: 'caller',
    title: 'Invalid column mapping',
    message: 'The column mapping is invalid: {reason}',
    remedy: 'Map each Starling field (sn, ip, hostname, idc, owner, app, external_id) to a column of the file, e.g. --map sn=Serial,ip=IPAddress.',
  },
  'CMDB-USR-IMPORT_INVALID_ROWS': {
    status: 422, retryable: false, actor: 'caller',
    title: 'CMDB rows rejected',
    message: '{rejected} of {total} rows were rejected; {imported} imported.',
    remedy: 'Fix the rows listed in `errors` (row number and reason) and import them again; with strict mode nothing was imported.',
  },
  'CMDB-USR-RUN_NOT_FOUND': {
    status: 404, retryable: false, actor: 'caller',
    title: 'Reconciliation run not found',
    message: 'There is no reconciliation run {id}.',
    remedy: 'List runs at GET /v1/cmdb/reconcile/runs.',
  },
  'CMDB-DEP-NETBOX_UNAVAILABLE': {
    status: 502, retryable: true, actor: 'third-party',
    title: 'NetBox unavailable',
    message: 'NetBox at {url} did not answer: {reason}',
    remedy: 'Check that NetBox is up and CMDB_NETBOX_URL is right; the pull is retried.',
  },
  'CMDB-DEP-NETBOX_AUTH_FAILED': {
    status: 502, retryable: false, actor: 'starling-operator',
    title: 'NetBox refused the token',
    message: 'NetBox at {url} answered {status} to the API token.',
    remedy: 'Set CMDB_NETBOX_TOKEN to a valid NetBox API token with read access to dcim.devices.',
  },
  'CMDB-DEP-NETBOX_BAD_RESPONSE': {
    status: 502, retryable: true, actor: 'third-party',
    title: 'Unexpected NetBox response',
    message: 'NetBox at {url} sent a response Starling does not understand: {reason}',
    remedy: 'Check that CMDB_NETBOX_URL points at a NetBox API (…/api) of version 3 or later.',
  },
  'CMDB-SYS-RECONCILE_FAILED': {
    status: 500, retryable: true, actor: 'starling-operator',
    title: 'Reconciliation failed',
    message: 'Reconciliation run {id} failed: {reason}',
    remedy: 'Check the database; the job is retried, and a failed run leaves the previous findings in place.',
  },
} as const satisfies LayerCatalog<'CMDB'>;
