import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, redactConfig } from './index.js';

describe('loadConfig', () => {
  it('applies defaults', () => {
    const c = loadConfig({ env: {} });
    expect(c.PORT).toBe(8080);
    expect(c.STARLING_DATA_DIR).toBe('./.starling');
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it('coerces environment strings and treats empty values as unset', () => {
    const c = loadConfig({ env: { PORT: '9000', DATABASE_URL: '', LOG_LEVEL: 'debug' } });
    expect(c.PORT).toBe(9000);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.LOG_LEVEL).toBe('debug');
  });

  it('rejects a bad value naming the setting, the value and what is allowed', () => {
    expect(() => loadConfig({ env: { PORT: 'eighty' } })).toThrowError(
      expect.objectContaining({
        code: 'PROXY-USR-CONFIG_INVALID',
        message: 'Setting PORT has the invalid value "eighty": an integer from 0 to 65535',
      }),
    );
  });

  it('never prints a secret value', () => {
    try {
      loadConfig({ env: { DATABASE_URL: 'mysql://user:hunter2@db' } });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
      expect((err as Error).message).toContain('DATABASE_URL');
    }
    const c = loadConfig({ env: { DATABASE_URL: 'postgres://u:hunter2@h/db' } });
    expect(JSON.stringify(redactConfig(c))).not.toContain('hunter2');
  });

  it('reads a JSON config file; the environment wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'starling-cfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ PORT: 7000, HOST: '0.0.0.0' }));
    const c = loadConfig({ env: { HOST: '127.0.0.2' }, file });
    expect(c.PORT).toBe(7000);
    expect(c.HOST).toBe('127.0.0.2');
  });

  it('rejects unknown keys and non-JSON in the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'starling-cfg-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"PROT": 1}');
    expect(() => loadConfig({ env: {}, file: bad })).toThrowError(/PROT/);
    writeFileSync(bad, 'PORT=1');
    expect(() => loadConfig({ env: {}, file: bad })).toThrowError(/JSON/);
  });
});
