import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createScratchPostgres } from '../test/helpers/db.js';
import { diagnoseCommand } from './diagnose-command.js';

const dir = mkdtempSync(join(tmpdir(), 'starling-diag-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

describe('starling diagnose', () => {
  it('prints a verdict for a loopback target unknown to Starling', async () => {
    const env = { ...process.env };
    const scratch = await createScratchPostgres('starling_diagcli');
    Object.assign(process.env, { DATABASE_URL: scratch.url, STARLING_DATA_DIR: dir, DIAG_PING_MODE: 'tcp', DIAG_TCP_PROBE_PORTS: '1', DIAG_SSH_PORT: '1', DIAG_PROBE_TIMEOUT_MS: '300' });
    try {
      const o = io();
      expect(await diagnoseCommand(['127.0.0.77'], o.io)).toBe(0);
      expect(o.out()).toContain('127.0.0.77: DIAG-ENV-SSH_UNREACHABLE (rule ssh-dead)');
      expect(o.out()).toContain('owner:  no owner on record');
      const bad = io();
      expect(await diagnoseCommand([], bad.io)).toBe(2);
    } finally {
      process.env = env;
      await scratch.drop();
    }
  }, 60_000);
});
