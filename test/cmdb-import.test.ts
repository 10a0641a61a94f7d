import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, StarlingError } from '../core/index.js';
import { cmdbHosts, owners, rows, type Database } from '../db/index.js';
import { importCmdb, parseColumnMapping, parseImportFile } from '../cmdb-sync/index.js';
import { testDatabases } from './helpers/db.js';

const dir = mkdtempSync(join(tmpdir(), 'starling-cmdb-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const CSV = [
  'Asset ID,Serial Number,Primary IP,Host,Site,Owner,Group',
  'A-1,sn0001,10.1.0.1,web-1,hz1,team-web,web',
  'A-2,SN0002,10.1.0.2/24,web-2,hz1,team-web,web',
  'A-3,SN0003,10.1.0.300,web-3,hz1,team-web,web', // bad IP
  'A-4,SN0004,10.1.0.4',                         // too few fields
  '"A-5","To Be Filled By O.E.M.","10.1.0.5","db-5","hz2","team-db","db"',
  'A-6,,,,hz2,team-db,db',                        // nothing to identify it
  'A-2,SN0099,10.1.0.99,dup,hz1,team-web,web',    // identity used twice
  'A-8,SN0008,2001:DB8::8,web-8,hz1,team-web,web',
].join('\n');
const MAPPING = 'external_id=Asset ID,sn=Serial Number,ip=Primary IP,hostname=Host,idc=Site,owner=Owner,app=Group';

describe('CMDB file parsing', () => {
  it('reads CSV with line numbers and reports rows with the wrong field count', () => {
    const parsed = parseImportFile(file('a.csv', CSV));
    expect(parsed.columns).toEqual(['Asset ID', 'Serial Number', 'Primary IP', 'Host', 'Site', 'Owner', 'Group']);
    expect(parsed.records.map((r) => r.line)).toEqual([2, 3, 4, 6, 7, 8, 9]);
    expect(parsed.malformed).toEqual([{ row: 4, line: 5, errors: [{ field: '(row)', message: 'has 3 fields, the header has 7' }] }]);
  });

  it('refuses an unreadable CSV (unclosed quote) and a non-array JSON as a whole', () => {
    expect(() => parseImportFile(file('b.csv', 'sn,ip\n"abc,10.0.0.1\n'))).toThrow(StarlingError);
    try {
      parseImportFile(file('c.json', '{"nope": 1}'));
      expect.unreachable();
    } catch (err) {
      expect((err as StarlingError).code).toBe('CMDB-USR-IMPORT_UNREADABLE');
    }
  });

  it('parses mappings and refuses unknown fields', () => {
    expect(parseColumnMapping('sn=Serial Number, ip = IP')).toEqual({ sn: 'Serial Number', ip: 'IP' });
    expect(() => parseColumnMapping('serial=Serial')).toThrow(/unknown field/);
  });
});

describe.each(testDatabases())('CMDB import on $name', (backend) => {
  let database: Database;
  const config = loadConfig({ env: {} });
  const ctx = () => ({ db: database.db, config });
  const count = async () => (await rows<{ n: number }>(database.db, sql`select count(*)::int as n from cmdb_hosts`))[0]!.n;

  beforeAll(async () => {
    database = await backend.open();
  });
  afterAll(async () => database?.close());
  beforeEach(async () => {
    await database.db.execute(sql`delete from cmdb_hosts`);
  });

  it('imports the valid rows of a CSV and lists every bad row with its row and line number', async () => {
    const parsed = parseImportFile(file('a.csv', CSV));
    const result = await importCmdb(ctx(), parsed.records, { source: 'csv', columns: parsed.columns, malformed: parsed.malformed, mapping: parseColumnMapping(MAPPING) });
    expect(result).toMatchObject({ total: 8, inserted: 4, updated: 0, unchanged: 0 });
    expect(result.rejected.map((r) => [r.row, r.line, r.errors[0]!.field])).toEqual([
      [3, 4, 'ip'], [4, 5, '(row)'], [6, 7, '(row)'], [7, 8, 'external_id'],
    ]);
    expect(result.rejected[0]!.errors[0]!.message).toBe('not an IPv4 or IPv6 address');
    const stored = await database.db.select().from(cmdbHosts).orderBy(cmdbHosts.externalId);
    expect(stored.map((r) => [r.externalId, r.sn, r.ip, r.hostname, r.idc, r.app])).toEqual([
      ['A-1', 'SN0001', '10.1.0.1', 'web-1', 'hz1', 'web'],
      ['A-2', 'SN0002', '10.1.0.2', 'web-2', 'hz1', 'web'],
      ['A-5', null, '10.1.0.5', 'db-5', 'hz2', 'db'],
      ['A-8', 'SN0008', '2001:db8::8', 'web-8', 'hz1', 'web'],
    ]);
    expect(stored[2]!.extra).toEqual({ snRaw: 'To Be Filled By O.E.M.', snInvalid: 'placeholder "To Be Filled By O.E.M."' });
    const ownerNames = (await database.db.select().from(owners)).map((o) => o.name).sort();
    expect(ownerNames).toEqual(expect.arrayContaining(['team-db', 'team-web']));
    expect(stored.every((r) => r.ownerId !== null)).toBe(true);
  });

  it('strict mode imports nothing when any row is bad', async () => {
    const parsed = parseImportFile(file('a.csv', CSV));
    await expect(
      importCmdb(ctx(), parsed.records, { source: 'csv', columns: parsed.columns, malformed: parsed.malformed, mapping: parseColumnMapping(MAPPING), strict: true }),
    ).rejects.toMatchObject({ code: 'CMDB-USR-IMPORT_INVALID_ROWS', params: { rejected: 4, total: 8, imported: 0 } });
    expect(await count()).toBe(0);
  });

  it('upserts by identity: a second import updates changed rows and leaves the rest', async () => {
    const first = [
      { row: 1, values: { sn: 'X1', ip: '10.2.0.1' } },
      { row: 2, values: { sn: 'X2', ip: '10.2.0.2' } },
    ];
    expect(await importCmdb(ctx(), first, { source: 'json' })).toMatchObject({ inserted: 2, updated: 0, unchanged: 0 });
    const second = [
      { row: 1, values: { sn: 'x1', ip: '10.2.0.10' } },
      { row: 2, values: { sn: 'X2', ip: '10.2.0.2' } },
      { row: 3, values: { sn: 'X3', ip: '10.2.0.3' } },
    ];
    expect(await importCmdb(ctx(), second, { source: 'json' })).toMatchObject({ inserted: 1, updated: 1, unchanged: 1 });
    expect(await count()).toBe(3);
    // The same identity from another source is another row.
    expect(await importCmdb(ctx(), [{ row: 1, values: { sn: 'X1', ip: '10.2.0.1' } }], { source: 'netbox' })).toMatchObject({ inserted: 1 });
  });

  it('never half-writes: a failure mid-import rolls every row back', async () => {
    const good = Array.from({ length: 30 }, (_, i) => ({ row: i + 1, values: { sn: `R${i}`, ip: `10.3.0.${i + 1}`, owner: `o${i}` } }));
    // Make the write fail after several staging batches: the owners table is missing for a moment.
    await database.db.execute(sql`alter table owners rename to owners_moved`);
    try {
      await expect(importCmdb(ctx(), good, { source: 'json', batchSize: 7 })).rejects.toThrow();
    } finally {
      await database.db.execute(sql`alter table owners_moved rename to owners`);
    }
    expect(await count()).toBe(0);
  });

  it('refuses imports over the row limit', async () => {
    const recs = Array.from({ length: 5 }, (_, i) => ({ row: i + 1, values: { sn: `L${i}` } }));
    await expect(importCmdb(ctx(), recs, { source: 'json', maxRows: 4 })).rejects.toMatchObject({ code: 'CMDB-USR-IMPORT_TOO_LARGE' });
  });

  it('imports a JSON file with default column names', async () => {
    const p = file('h.json', JSON.stringify({ hosts: [{ serial: 'J1', ip_address: '10.4.0.1', name: 'j-1' }, 'oops', { serial: 'J3', ip: 'x' }] }));
    const parsed = parseImportFile(p);
    const result = await importCmdb(ctx(), parsed.records, { source: 'json', columns: parsed.columns, malformed: parsed.malformed });
    expect(result.inserted).toBe(1);
    expect(result.rejected.map((r) => r.row)).toEqual([2, 3]);
  });
});
