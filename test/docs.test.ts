import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_DOCS } from '../cli/commands/docs.js';
import { listErrorCodes, settings } from '../core/index.js';

describe('generated documents', () => {
  it.each(GENERATED_DOCS.map((d) => [d.path, d] as const))('%s is in sync with the code (run `npm run docs`)', (_p, d) => {
    const onDisk = readFileSync(new URL(`../${d.path}`, import.meta.url), 'utf8');
    expect(onDisk).toBe(d.render());
  });

  it('documents every setting and every code', () => {
    const config = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
    for (const name of Object.keys(settings)) expect(config).toContain(`\`${name}\``);
    const codes = readFileSync(new URL('../docs/error-codes.md', import.meta.url), 'utf8');
    for (const e of listErrorCodes()) expect(codes).toContain(`\`${e.code}\``);
  });
});
