import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { renderConfigurationDoc, renderErrorCodesDoc } from '../../core/index.js';
import type { Command } from '../command.js';

/** Generated documents and their renderers. */
export const GENERATED_DOCS: ReadonlyArray<{ path: string; render(): string }> = [
  { path: 'docs/configuration.md', render: renderConfigurationDoc },
  { path: 'docs/error-codes.md', render: renderErrorCodesDoc },
];

export const docsCommand: Command = {
  name: 'docs',
  summary: 'Regenerate docs/configuration.md and docs/error-codes.md from the code',
  usage: 'starling docs [--check]   (--check: exit 1 when a generated file is stale)',
  async run(argv, io) {
    const { values } = parseArgs({ args: argv, options: { check: { type: 'boolean' } }, strict: true });
    const root = new URL('../../', import.meta.url);
    let stale = 0;
    for (const d of GENERATED_DOCS) {
      const path = new URL(d.path, root);
      const text = d.render();
      if (values.check) {
        let current = '';
        try {
          current = (await import('node:fs')).readFileSync(path, 'utf8');
        } catch {}
        if (current !== text) {
          io.stderr.write(`${d.path} is stale: run npm run docs\n`);
          stale++;
        }
      } else {
        writeFileSync(path, text);
        io.stdout.write(`wrote ${d.path}\n`);
      }
    }
    return stale ? 1 : 0;
  },
};
