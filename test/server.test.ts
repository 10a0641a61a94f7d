import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, owners } from '../db/index.js';
import { createScratchPostgres } from './helpers/db.js';
import { startStarling, type StarlingProcess } from './helpers/process.js';
import { TEST_REDIS_URL } from './helpers/redis.js';

// Response bodies in these tests are JSON of known shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (r: Response): Promise<any> => r.json();

const running: StarlingProcess[] = [];
afterAll(async () => {
  for (const p of running) await p.stop('SIGKILL');
});

async function startServer(env: Record<string, string | undefined>) {
  const p = startStarling(['server'], { PORT: '0', ...env });
  running.push(p);
  const listening = await p.waitForRecord((r) => r.msg === 'starling server listening', 30_000);
  return { p, url: listening.url as string, listening };
}

describe('starling server, embedded mode', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'starling-e2e-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts with nothing configured, is ready, stops cleanly, and keeps its data across restarts', async () => {
    const first = await startServer({ STARLING_DATA_DIR: dataDir });
    expect(first.listening).toMatchObject({ database: { kind: 'pglite' }, jobs: 'in-process', redis: 'not configured' });
    const ready = await fetch(`${first.url}/readyz`);
    expect(ready.status).toBe(200);
    expect((await json(ready)).checks.database).toMatchObject({ ok: true, kind: 'pglite', location: join(dataDir, 'pglite') });
    expect(await first.p.stop('SIGTERM')).toBe(0);

    // Write through the same embedded store while the server is down, then restart on it.
    const db = await openDatabase({ dataDir });
    await migrate(db);
    await db.db.insert(owners).values({ name: 'survivor' });
    await db.close();

    const second = await startServer({ STARLING_DATA_DIR: dataDir });
    expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
    expect(await second.p.stop('SIGINT')).toBe(0);

    const again = await openDatabase({ dataDir });
    const names = (await again.db.select().from(owners)).map((o) => o.name);
    await again.close();
    expect(names).toEqual(['survivor']);
  }, 90_000);

  it('refuses an invalid setting with one line naming it, and exits non-zero', async () => {
    const p = startStarling(['server'], { PORT: 'eighty', STARLING_DATA_DIR: dataDir });
    running.push(p);
    const code = await p.exited;
    expect(code).toBe(78);
    const lines = p.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('PORT');
    expect(lines[0]).toContain('"eighty"');
    expect(lines[0]).toContain('PROXY-USR-CONFIG_INVALID');
  }, 30_000);
});

describe('starling server on Postgres and Redis', () => {
  it('uses both when configured, visible in /readyz and the log', async () => {
    const scratch = await createScratchPostgres();
    try {
      const { p, url, listening } = await startServer({ DATABASE_URL: scratch.url, REDIS_URL: TEST_REDIS_URL });
      expect(listening).toMatchObject({ database: { kind: 'postgres' }, jobs: 'bullmq', redis: 'configured' });
      const body = await json(await fetch(`${url}/readyz`));
      expect(body.checks.database).toMatchObject({ ok: true, kind: 'postgres' });
      expect(body.checks.redis).toMatchObject({ ok: true });
      expect(await p.stop('SIGTERM')).toBe(0);
    } finally {
      await scratch.drop();
    }
  }, 60_000);
});
