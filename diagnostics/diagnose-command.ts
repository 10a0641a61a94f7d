import { parseArgs } from 'node:util';
import { loadConfig, createLogger } from '../core/index.js';
import { createContext } from '../runtime/index.js';
import { DiagnosticsEngine } from './diagnose-host.js';
import type { Diagnosis } from './diagnosis.js';

/** Where a command writes. */
export interface DiagnoseCommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Usage of `starling diagnose`. */
export const DIAGNOSE_USAGE = 'starling diagnose <ip|sn|hostname> [--json] [--config FILE]';

/** The verdict as a few readable lines. */
export function formatDiagnosis(d: Diagnosis): string {
  const v = d.verdict;
  const lines = [
    `${d.target}: ${v.code ?? 'healthy'} (rule ${v.rule})`,
    `  cause:  ${v.cause.en}`,
    `  原因:   ${v.cause.zh}`,
    `  owner:  ${v.ownerText}`,
    `  action: ${v.action.en}`,
    ...v.evidence.map((e) => `  [${e.status.padEnd(7)}] ${e.check.padEnd(6)} ${e.summary} (${e.source}, ${e.durationMs} ms)`),
  ];
  if (v.inconclusive.length) lines.push(`  inconclusive: ${v.inconclusive.join(', ')}`);
  return lines.join('\n');
}

/**
 * `starling diagnose <target>`: diagnose one host now against the configured database and
 * print the verdict (or the whole diagnosis with --json). Exit 0 when the diagnosis ran.
 */
export async function diagnoseCommand(argv: string[], io: DiagnoseCommandIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, config: { type: 'string' } }, allowPositionals: true, strict: true });
  const target = positionals[0];
  if (!target || positionals.length > 1) {
    io.stderr.write(`${DIAGNOSE_USAGE}\n`);
    return 2;
  }
  const config = loadConfig({ file: values.config });
  const ctx = await createContext(config, { log: createLogger({ level: 'warn', format: config.LOG_FORMAT }) });
  const engine = new DiagnosticsEngine(ctx);
  try {
    const d = await engine.diagnose({ target }, { force: true });
    io.stdout.write(values.json ? `${JSON.stringify(d, null, 2)}\n` : `${formatDiagnosis(d)}\n`);
    return 0;
  } finally {
    await engine.close();
    await ctx.close();
  }
}
