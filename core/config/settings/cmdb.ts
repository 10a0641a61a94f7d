import { z } from 'zod';
import { boolish, positiveInt, setting, stringList } from '../setting.js';

/** Settings of CMDB import, the NetBox pull, reconciliation and auto-fix. */
export const cmdbSettings = {
  CMDB_RECONCILE_EVERY_MS: setting({
    schema: z.coerce.number().int().min(0), default: 3_600_000,
    doc: 'Run the CMDB reconciliation job this often (milliseconds). 0 turns the schedule off; on-demand runs still work.',
    allowed: 'a non-negative integer (milliseconds)',
  }),
  CMDB_NO_AGENT_WINDOW_MS: setting({
    schema: positiveInt, default: 86_400_000,
    doc: 'A CMDB host whose agent was not seen within this window is reported as NO_AGENT.',
    allowed: 'a positive integer (milliseconds)',
  }),
  CMDB_IMPORT_MAX_ROWS: setting({
    schema: positiveInt, default: 2_000_000,
    doc: 'Most rows one CMDB import (file, push API or NetBox pull) may carry; larger imports are refused with CMDB-USR-IMPORT_TOO_LARGE.',
    allowed: 'a positive integer',
  }),
  CMDB_API_MAX_ROWS: setting({
    schema: positiveInt, default: 10_000,
    doc: 'Most hosts one PUT /v1/cmdb/hosts request may carry (the body limit BODY_LIMIT_BYTES applies too).',
    allowed: 'a positive integer',
  }),
  CMDB_NETBOX_URL: setting({
    schema: z.string().regex(/^https?:\/\//, 'must start with http:// or https://'),
    doc: 'Base URL of a NetBox instance (without /api) to pull devices from. Unset: no NetBox pull.',
    allowed: 'an http:// or https:// URL',
  }),
  CMDB_NETBOX_TOKEN: setting({
    schema: z.string().min(1),
    doc: 'NetBox API token, sent as `Authorization: Token <token>` (or as given when it starts with `Bearer `).',
    allowed: 'a NetBox API token',
    secret: true,
  }),
  CMDB_NETBOX_PAGE_SIZE: setting({
    schema: z.coerce.number().int().min(1).max(1000), default: 1000,
    doc: 'Devices per NetBox page (NetBox caps it at MAX_PAGE_SIZE, 1000 by default).',
    allowed: 'an integer from 1 to 1000',
  }),
  CMDB_AUTOFIX_IP: setting({
    schema: boolish, default: false,
    doc: 'Auto-fix: write the agent\'s IP into the CMDB when the SN matches and the IP came from one of CMDB_AUTOFIX_IP_SOURCES. Off by default.',
    allowed: 'true or false',
  }),
  CMDB_AUTOFIX_IP_SOURCES: setting({
    schema: stringList, default: ['default-route-ipv4', 'default-route-ipv6', 'override'],
    doc: 'Collector IP sources trusted by IP auto-fix (a fallback-chosen IP is never trusted by default).',
    allowed: 'a comma-separated list of collector sources',
  }),
  CMDB_AUTOFIX_SN: setting({
    schema: boolish, default: false,
    doc: 'Auto-fix: write the agent\'s SN into the CMDB when the IP matches and the SN came from one of CMDB_AUTOFIX_SN_SOURCES. Off by default.',
    allowed: 'true or false',
  }),
  CMDB_AUTOFIX_SN_SOURCES: setting({
    schema: stringList, default: ['override', 'dmi:product_serial'],
    doc: 'Collector SN sources trusted by SN auto-fix.',
    allowed: 'a comma-separated list of collector sources',
  }),
};
