import { statSync } from 'node:fs';
import { StarlingError } from '../core/index.js';
import { collectFacts } from './collect-facts.js';
import type { CollectedFacts } from './facts.js';

/** Where a command writes; the CLI passes process streams, tests pass buffers. */
export interface CommandIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

const USAGE = 'usage: starling collect [--root DIR] [--json]\n';

/** Render facts as a short human-readable table. */
export function formatFacts(f: CollectedFacts): string {
  const lines: string[] = [];
  const row = (k: string, v: string | null, how: string) => lines.push(`${k.padEnd(9)} ${(v ?? '-').padEnd(40)} ${how}`);
  const sn = f.sn;
  if (sn.value !== null) row('sn', sn.value, `${sn.source}${sn.path ? ` ${sn.path}` : ''}, spec ${sn.specVersion}`);
  else row('sn', null, `no valid SN (${sn.reason}), spec ${sn.specVersion}`);
  const ip = f.ip;
  const ipHow = ip.value === null
    ? `no primary IP, spec ${ip.specVersion}`
    : `${ip.source}${ip.iface ? ` ${ip.iface}` : ''}${ip.metric !== undefined ? ` metric ${ip.metric}` : ''}, spec ${ip.specVersion}`;
  row('ip', ip.value, ipHow);
  row('hostname', f.hostname.value, `${f.hostname.source}, spec ${f.hostname.specVersion}`);
  row('platform', f.platform.value, `${f.platform.source}, spec ${f.platform.specVersion}`);
  for (const r of [...sn.rejected, ...ip.rejected]) lines.push(`rejected  ${r.source}: ${JSON.stringify(r.raw)} (${r.reason})`);
  return `${lines.join('\n')}\n`;
}

/**
 * `starling collect [--root DIR] [--json]`: print this machine's (or a captured machine's)
 * SN, primary IP, hostname and platform with provenance. Exit 0 after a collection (even
 * one that found no valid SN: that is a result, reported explicitly), 2 on a usage error.
 */
export async function collectCommand(argv: string[], io: CommandIo): Promise<number> {
  let root = '/';
  let json = false;
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '--json') json = true;
      else if (a === '--root') {
        const next = argv[++i];
        if (!next) throw new StarlingError('CMDB-USR-COLLECT_BAD_ARGUMENT', { arg: '--root without a directory' });
        root = next;
      } else if (a.startsWith('--root=')) root = a.slice('--root='.length);
      else if (a === '--help' || a === '-h') {
        io.stdout.write(USAGE);
        return 0;
      } else throw new StarlingError('CMDB-USR-COLLECT_BAD_ARGUMENT', { arg: a });
    }
    let isDir = false;
    try {
      isDir = statSync(root).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) throw new StarlingError('CMDB-USR-COLLECT_ROOT_NOT_FOUND', { root });
  } catch (err) {
    if (err instanceof StarlingError) {
      io.stderr.write(`${err.code}: ${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  const facts = collectFacts({ root });
  io.stdout.write(json ? `${JSON.stringify(facts, null, 2)}\n` : formatFacts(facts));
  return 0;
}
