// Without Redis, jobs live in the memory of the process that queues them: an HTTP process
// without workers, or a separate worker, would leave them unprocessed, so both are refused
// before anything is opened.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startStarling } from './helpers/process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'starling-workers-off-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('job workers out of the HTTP process without Redis', () => {
  it.each([
    ['server --no-workers', ['server', '--no-workers'], {}],
    ['proxy with JOBS_WORKERS=false', ['proxy'], { JOBS_WORKERS: 'false' }],
    ['worker', ['worker'], {}],
  ] as const)('%s refuses to start with PROXY-USR-WORKERS_NEED_REDIS', async (_name, args, extra) => {
    const p = startStarling([...args], { STARLING_DATA_DIR: dataDir, PORT: '0', ...extra });
    expect(await p.exited).toBe(78);
    const lines = p.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('(PROXY-USR-WORKERS_NEED_REDIS)');
    expect(lines[0]).toContain('REDIS_URL');
    // Refused before the embedded database was opened.
    expect(existsSync(join(dataDir, 'pglite'))).toBe(false);
  }, 30_000);
});
