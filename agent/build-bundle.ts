/**
 * Build the agent as one file for deployment: `dist/starling-agent.mjs` (esbuild, ESM, Node 20).
 * Run with `npm run build:agent`. Writes `dist/starling-agent.meta.json` (the esbuild
 * metafile) so tests can check what went into the bundle.
 */
import { build, type Metafile } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Options of {@link buildAgentBundle}. */
export interface BuildAgentBundleOptions {
  /** Output file; default `<repo>/dist/starling-agent.mjs`. */
  outfile?: string;
  /** Minify; default true. */
  minify?: boolean;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Bundle the agent; resolves with the output path and the metafile. */
export async function buildAgentBundle(options: BuildAgentBundleOptions = {}): Promise<{ outfile: string; metafile: Metafile }> {
  const outfile = options.outfile ?? join(ROOT, 'dist', 'starling-agent.mjs');
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await build({
    entryPoints: [join(ROOT, 'agent', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile,
    minify: options.minify ?? true,
    metafile: true,
    legalComments: 'none',
    // pino-pretty is only loaded by LOG_FORMAT=pretty through a worker; the agent logs JSON.
    // bufferutil/utf-8-validate are optional native speed-ups of ws.
    external: ['pino-pretty', 'bufferutil', 'utf-8-validate'],
    // Bundled CommonJS (ws, pino) needs require() inside an ES module.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  writeFileSync(outfile.replace(/\.mjs$/, '.meta.json'), JSON.stringify(result.metafile));
  return { outfile, metafile: result.metafile };
}

const invokedDirectly = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  buildAgentBundle().then(
    ({ outfile, metafile }) => {
      const bytes = metafile.outputs[Object.keys(metafile.outputs)[0]!]?.bytes ?? 0;
      process.stdout.write(`${outfile} ${(bytes / 1024).toFixed(0)} KiB\n`);
    },
    (err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
