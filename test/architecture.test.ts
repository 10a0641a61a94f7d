import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCycles, importGraph } from './helpers/import-graph.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const graph = importGraph(root);

/** Floors, lowest first; a floor may import only floors listed in its row. */
const FLOOR_DEPS: Record<string, string[]> = {
  core: [],
  protocol: ['core'],
  db: ['core'],
  jobs: ['core'],
  runtime: ['core', 'db', 'jobs'],
  http: ['core', 'runtime'],
};
const COMPONENTS = ['proxy', 'channel', 'agent', 'collector', 'diagnostics', 'cmdb-sync', 'bot'];
const AGENT_ALLOWED = ['core', 'protocol', 'collector', 'agent'];
const AGENT_FORBIDDEN_PACKAGES = /^(drizzle-orm|drizzle-kit|bullmq|ioredis|hono|@hono\/|postgres$|@electric-sql\/)/;

const top = (file: string) => file.split('/')[0]!;
const isTest = (file: string) => file.endsWith('.test.ts') || top(file) === 'test' || top(file) === 'bench';
const production = [...graph.values()].filter((n) => !isTest(n.file));

describe('architecture', () => {
  it('has no import cycles', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it('floors import only lower floors, never components or the CLI', () => {
    const violations: string[] = [];
    for (const n of production) {
      const floor = top(n.file);
      const allowed = FLOOR_DEPS[floor];
      if (!allowed) continue;
      for (const t of n.local) {
        const to = top(t);
        if (to !== floor && !allowed.includes(to)) violations.push(`${n.file} → ${t}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("components import other components only through their index.ts, and nobody imports cli/", () => {
    const violations: string[] = [];
    for (const n of production) {
      const from = top(n.file);
      for (const t of n.local) {
        const to = top(t);
        if (to === 'cli' && from !== 'cli') violations.push(`${n.file} → ${t} (cli is the composition root)`);
        if (COMPONENTS.includes(to) && to !== from && from !== 'cli' && t !== `${to}/index.ts`) {
          violations.push(`${n.file} → ${t} (use ${to}/index.ts)`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('the agent imports only core, protocol and collector, and no server packages', () => {
    const violations: string[] = [];
    for (const n of production.filter((x) => top(x.file) === 'agent')) {
      for (const t of n.local) if (!AGENT_ALLOWED.includes(top(t))) violations.push(`${n.file} → ${t}`);
      for (const p of n.packages) if (AGENT_FORBIDDEN_PACKAGES.test(p)) violations.push(`${n.file} → ${p}`);
    }
    for (const n of production.filter((x) => ['core', 'protocol', 'collector'].includes(top(x.file)))) {
      for (const p of n.packages) if (AGENT_FORBIDDEN_PACKAGES.test(p)) violations.push(`${n.file} → ${p} (the agent imports ${top(n.file)}/)`);
    }
    expect(violations).toEqual([]);
  });

  it('the checker sees real imports (guards against a parser that finds nothing)', () => {
    expect(graph.get('runtime/context.ts')?.local).toContain('db/index.ts');
    expect(graph.get('db/database.ts')?.packages).toContain('drizzle-orm/pglite');
  });
});
