import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildAgentBundle } from '../agent/build-bundle.js';
import { importGraph, reachable } from './helpers/import-graph.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FORBIDDEN = /^(drizzle-orm|bullmq|ioredis|hono|@hono\/|postgres|@electric-sql\/pglite)(\/|$)/;

describe('the agent stays small', () => {
  it('imports only core/, protocol/ and collector/ and no database, queue or web-framework package', () => {
    const graph = importGraph(ROOT);
    for (const entry of ['agent/main.ts', 'agent/index.ts']) {
      const files = [...reachable(graph, entry)];
      const outside = files.filter((f) => !/^(agent|core|protocol|collector)\//.test(f));
      expect(outside, `${entry} reaches files outside its floors`).toEqual([]);
      const packages = files.flatMap((f) => (graph.get(f)?.packages ?? []).map((p) => `${f}: ${p}`));
      expect(packages.filter((p) => FORBIDDEN.test(p.split(': ')[1]!))).toEqual([]);
      // The import walk really sees the agent's own dependencies (a broken walk would pass vacuously).
      expect(packages.some((p) => p.endsWith(': ws'))).toBe(true);
    }
  });

  it('builds one bundle file whose inputs hold none of them, and the bundle starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-bundle-'));
    try {
      const { outfile, metafile } = await buildAgentBundle({ outfile: join(dir, 'starling-agent.mjs') });
      const inputs = Object.keys(metafile.inputs);
      expect(inputs.some((i) => i.includes('node_modules/ws/'))).toBe(true);
      expect(inputs.filter((i) => /node_modules\/(drizzle-orm|bullmq|ioredis|hono|@hono|postgres|@electric-sql)\//.test(i))).toEqual([]);
      expect(statSync(outfile).size).toBeGreaterThan(10_000);
      expect(readFileSync(outfile, 'utf8')).not.toMatch(/from\s*["']\.\.?\//); // self-contained
      const child = spawn(process.execPath, [outfile, '--help'], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise((r) => child.once('exit', r));
      expect(code).toBe(0);
      expect(out).toContain('usage: starling agent --server URL');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
