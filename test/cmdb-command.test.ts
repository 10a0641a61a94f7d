import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmdbCommand } from '../cmdb-sync/index.js';
import { createScratchPostgres } from './helpers/db.js';

const dir = mkdtempSync(join(tmpdir(), 'starling-cmdb-cli-'));
let scratch: { url: string; drop(): Promise<void> };
let configFile: string;

function io() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) } } };
}

beforeAll(async () => {
  scratch = await createScratchPostgres('starling_cmdbcli');
  configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ DATABASE_URL: scratch.url, LOG_LEVEL: 'silent' }));
});
afterAll(async () => {
  await scratch?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('starling cmdb', () => {
  it('imports a CSV, lists rejected rows with line numbers, and exits 1 when some were rejected', async () => {
    const csv = join(dir, 'hosts.csv');
    writeFileSync(csv, 'Serial,IP\nCLI1,10.6.0.1\nCLI2,999.1.1.1\n');
    const { out, io: streams } = io();
    expect(await cmdbCommand(['import', csv, '--map', 'sn=Serial,ip=IP', '--config', configFile], streams)).toBe(1);
    expect(out.stdout).toContain('source csv: 2 rows, 1 inserted, 0 updated, 0 unchanged, 1 rejected');
    expect(out.stderr).toContain('row 2 (line 3): ip not an IPv4 or IPv6 address');
  });

  it('with --strict imports nothing', async () => {
    const csv = join(dir, 'strict.csv');
    writeFileSync(csv, 'sn,ip\nCLI3,10.6.0.3\nCLI4,nope\n');
    const { out, io: streams } = io();
    await expect(cmdbCommand(['import', csv, '--strict', '--config', configFile], streams)).rejects.toMatchObject({ code: 'CMDB-USR-IMPORT_INVALID_ROWS' });
    expect(out.stderr).toContain('row 2 (line 3)');
    const again = io();
    writeFileSync(csv, 'sn,ip\nCLI3,10.6.0.3\n');
    expect(await cmdbCommand(['import', csv, '--config', configFile], again.io)).toBe(0);
    expect(again.out.stdout).toContain('1 inserted');
  });

  it('reconciles and prints counts', async () => {
    const { out, io: streams } = io();
    expect(await cmdbCommand(['reconcile', '--config', configFile], streams)).toBe(0);
    expect(out.stdout).toMatch(/^NO_AGENT\s+2$/m);
    expect(out.stdout).toMatch(/^MATCH\s+0$/m);
    expect(out.stderr).toContain('join');
  });

  it('prints usage for an unknown sub-command', async () => {
    const { out, io: streams } = io();
    expect(await cmdbCommand(['frobnicate'], streams)).toBe(2);
    expect(out.stderr).toContain('usage: starling cmdb import FILE');
  });
});
