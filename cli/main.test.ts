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

  it('wires the component commands: collect reads a captured machine, cmdb and diagnose check their arguments', async () => {
    const root = new URL('../collector/fixtures/docker-host', import.meta.url).pathname;
    const r = await run(['collect', '--root', root, '--json']);
    expect(r.code).toBe(0);
    const facts = JSON.parse(r.stdout) as { sn: { value: string }; ip: { value: string; source: string } };
    expect(facts.sn.value).toBe('CN0F6R2J');
    expect(facts.ip).toMatchObject({ value: '10.80.1.10' });
    expect((await run(['cmdb', 'frobnicate'])).code).toBe(2);
    const d = await run(['diagnose']);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('starling diagnose <ip|sn|hostname>');
  });
});
