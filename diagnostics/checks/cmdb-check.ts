import { checkResult, type CheckResult } from '../types.js';

/** Identity as one side records it. */
export interface Identity {
  sn: string | null;
  ip: string | null;
  hostname?: string | null;
}

const norm = (v: string | null | undefined) => (v ?? '').trim().toLowerCase();

/**
 * Compare the CMDB's record with the identity the agent reported. problem: SN or IP
 * disagree; unknown: either side is missing.
 */
export function judgeCmdb(cmdb: Identity | null, reported: Identity | null): CheckResult {
  const started = Date.now();
  if (!reported) return checkResult('cmdb', started, { status: 'unknown', summary: 'The host has reported no facts to compare with the CMDB.', source: 'db', evidence: { cmdb } });
  if (!cmdb) return checkResult('cmdb', started, { status: 'unknown', summary: 'The host has no CMDB record.', source: 'db', evidence: { reported } });
  const diffs: Array<{ field: 'sn' | 'ip'; cmdbValue: string | null; hostValue: string | null }> = [];
  for (const field of ['sn', 'ip'] as const) {
    if (norm(cmdb[field]) && norm(reported[field]) && norm(cmdb[field]) !== norm(reported[field])) {
      diffs.push({ field, cmdbValue: cmdb[field], hostValue: reported[field] });
    }
  }
  const first = diffs[0];
  if (first) {
    return checkResult('cmdb', started, {
      status: 'problem', finding: 'mismatch',
      summary: diffs.map((d) => `CMDB ${d.field.toUpperCase()} ${d.cmdbValue} ≠ host ${d.hostValue}`).join('; ') + '.',
      source: 'db', evidence: { field: first.field.toUpperCase(), cmdbValue: first.cmdbValue, hostValue: first.hostValue, diffs, cmdb, reported },
    });
  }
  return checkResult('cmdb', started, { status: 'ok', summary: 'The CMDB record agrees with the host\'s SN and IP.', source: 'db', evidence: { cmdb, reported } });
}
