// Cold start of `starling server` to /readyz 200, on embedded PGlite and on Postgres + Redis,
// with the process's RSS once ready. Usage: npm run bench:startup
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { machineLine, printTable, rssMiB } from './machine.js';

const BIN = fileURLToPath(new URL('../bin/starling.mjs', import.meta.url));
const PG_ADMIN = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function measure(label: string, env: Record<string, string>): Promise<Record<string, string | number>> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'server'], {
    env: { PATH: process.env.PATH, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label}: no listening line within 60 s`)), 60_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        try {
          const r = JSON.parse(line) as { msg?: string; url?: string };
          if (r.msg === 'starling server listening') {
            clearTimeout(timer);
            resolve(r.url!);
          }
        } catch {}
      });
      child.once('exit', (code) => reject(new Error(`${label}: exited with ${code}`)));
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`${label}: /readyz not 200 within 60 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const ms = performance.now() - t0;
    const rss = await rssMiB(child.pid!);
    return { mode: label, 'start → /readyz 200 (ms)': Math.round(ms), 'RSS when ready (MiB)': rss };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const rows: Array<Record<string, string | number>> = [];
const dir = mkdtempSync(join(tmpdir(), 'starling-bench-'));
try {
  rows.push(await measure('PGlite, first start (creates + migrates)', { STARLING_DATA_DIR: dir }));
  rows.push(await measure('PGlite, restart (data present)', { STARLING_DATA_DIR: dir }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const name = `starling_bench_${Date.now()}`;
const admin = postgres(PG_ADMIN, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${name}`);
try {
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  rows.push(await measure('Postgres + Redis, first start (migrates)', { DATABASE_URL: url.toString(), REDIS_URL: REDIS }));
  rows.push(await measure('Postgres + Redis, restart', { DATABASE_URL: url.toString(), REDIS_URL: REDIS }));
} finally {
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
}
printTable('Cold start of `starling server` (spawn → /readyz 200)', rows);
console.log(machineLine());
