// Runs every `bench:*` script of package.json in turn (or the ones named: npm run bench -- startup fanout).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
const all = Object.keys(pkg.scripts).filter((s) => s.startsWith('bench:')).map((s) => s.slice('bench:'.length));
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length ? wanted : all) {
  console.log(`\n=== bench:${name}`);
  const r = spawnSync('npm', ['run', '--silent', `bench:${name}`], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
