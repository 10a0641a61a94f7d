import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** One module of the project and what it imports. */
export interface ModuleNode {
  /** Path relative to the project root, e.g. `proxy/index.ts`. */
  file: string;
  /** Project files it imports (resolved, relative to the root). */
  local: string[];
  /** Bare package specifiers it imports (`hono`, `drizzle-orm/pg-core`, `node:fs`). */
  packages: string[];
}

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function listTs(dir: string, root: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'dist' || name === 'fixtures') continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) listTs(p, root, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(relative(root, p));
  }
}

function resolveLocal(fromFile: string, spec: string, root: string): string | undefined {
  const base = resolve(root, dirname(fromFile), spec);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(root, candidate);
  }
  return undefined;
}

/** Parse the import graph of every TypeScript file under `root` (type-only imports included). */
export function importGraph(root: string): Map<string, ModuleNode> {
  const files: string[] = [];
  listTs(root, root, files);
  const graph = new Map<string, ModuleNode>();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const node: ModuleNode = { file, local: [], packages: [] };
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec) continue;
      if (spec.startsWith('.')) {
        const target = resolveLocal(file, spec, root);
        if (target) node.local.push(target);
      } else {
        node.packages.push(spec);
      }
    }
    graph.set(file, node);
  }
  return graph;
}

/** Files reachable from `entry` through local imports (the entry included). */
export function reachable(graph: Map<string, ModuleNode>, entry: string): Set<string> {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const t of graph.get(f)?.local ?? []) stack.push(t);
  }
  return seen;
}

/** Import cycles (strongly connected components of more than one file, or a self-import). */
export function findCycles(graph: Map<string, ModuleNode>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const strong = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.local ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || graph.get(v)?.local.includes(v)) cycles.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return cycles;
}
