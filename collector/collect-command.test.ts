import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collectCommand } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
function io() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) } } };
}

describe('starling collect', () => {
  it('--json prints the facts with provenance', async () => {
    const { out, io: streams } = io();
    expect(await collectCommand(['--root', join(here, 'fixtures/override'), '--json'], streams)).toBe(0);
    const facts = JSON.parse(out.stdout);
    expect(facts.sn).toMatchObject({ value: 'OVR-0042', source: 'override', specVersion: 'v1' });
    expect(facts.ip).toMatchObject({ value: '10.99.0.7', source: 'override', specVersion: 'v1' });
  });

  it('prints a table by default, with the no-valid-SN case spelled out', async () => {
    const { out, io: streams } = io();
    expect(await collectCommand([`--root=${join(here, 'fixtures/all-placeholder-sn')}`], streams)).toBe(0);
    expect(out.stdout).toMatch(/^sn\s+-\s+no valid SN \(placeholder\), spec v1$/m);
    expect(out.stdout).toMatch(/^ip\s+10\.40\.0\.9\s+default-route-ipv4 eno1/m);
  });

  it('rejects an unknown flag and a missing root with catalogued codes and exit 2', async () => {
    const a = io();
    expect(await collectCommand(['--bogus'], a.io)).toBe(2);
    expect(a.out.stderr).toContain('CMDB-USR-COLLECT_BAD_ARGUMENT');
    const b = io();
    expect(await collectCommand(['--root', join(here, 'fixtures/does-not-exist')], b.io)).toBe(2);
    expect(b.out.stderr).toContain('CMDB-USR-COLLECT_ROOT_NOT_FOUND');
  });
});

describe('collector import graph', () => {
  it('imports no database, queue, redis or web-framework package (the agent bundles it)', () => {
    const banned = /^(drizzle-orm|bullmq|ioredis|hono|@hono\/|postgres|@electric-sql\/)/;
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/g)) {
        const spec = m[1]!;
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
          if (target.endsWith('.ts')) walk(target);
        } else {
          expect(spec, `${file} imports ${spec}`).not.toMatch(banned);
        }
      }
    };
    walk(join(here, 'index.ts'));
    expect([...seen].some((f) => f.includes('/core/'))).toBe(true);
    expect(readdirSync(here).length).toBeGreaterThan(5);
  });
});
