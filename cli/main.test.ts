import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { commands } from './commands/index.js';
import { main } from './main.js';
import { VERSION } from './version.js';

async function run(argv: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await main(argv, { stdout: out, stderr: err });
  return { code, stdout, stderr };
}

describe('starling CLI', () => {
  it('--help lists every command', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const c of commands) expect(r.stdout).toContain(c.name);
  });

  it('--version prints the package version', async () => {
    const r = await run(['--version']);
    expect(r.stdout.trim()).toBe(VERSION);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('rejects unknown commands and unknown flags with exit code 2', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    const r = await run(['migrate', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--bogus');
  });

  it('prints a command usage on `<command> --help`', async () => {
    const r = await run(['server', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('starling server');
  });
});
