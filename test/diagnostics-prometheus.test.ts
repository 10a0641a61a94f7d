import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig, StarlingError } from '../core/index.js';
import { hosts } from '../db/index.js';
import { createPrometheusSource, DiagnosticsEngine, type PrometheusSource } from '../diagnostics/index.js';
import { createContext, type Context } from '../runtime/index.js';
import { openMemoryPglite } from './helpers/db.js';
import { waitFor } from './helpers/wait-for.js';

// A real Prometheus and node_exporter from Debian's packages (see .ci/apt-packages), started
// here on loopback ports with a temporary config; the disk and load checks read real metrics.
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const procs: ChildProcess[] = [];
let dir: string;
let promUrl: string;
let nodePort: number;
let source: PrometheusSource;

function start(cmd: string, args: string[]): ChildProcess {
  const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  p.on('exit', (code, sig) => {
    if (code !== null && code !== 0) console.error(`${cmd} exited ${code} ${sig}: ${err}`);
  });
  procs.push(p);
  return p;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'starling-prom-'));
  nodePort = await freePort();
  const promPort = await freePort();
  start('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${nodePort}`, '--collector.disable-defaults', '--collector.filesystem', '--collector.loadavg', '--collector.cpu']);
  writeFileSync(join(dir, 'prometheus.yml'), [
    'global:', '  scrape_interval: 1s', '  evaluation_interval: 1s',
    'scrape_configs:', '  - job_name: node', '    static_configs:', `      - targets: ['127.0.0.1:${nodePort}']`, '',
  ].join('\n'));
  start('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn']);
  promUrl = `http://127.0.0.1:${promPort}`;
  source = createPrometheusSource({ url: promUrl, instanceTemplate: `{ip}:${nodePort}` });
  await waitFor(async () => (await source.query(`node_load1{instance="127.0.0.1:${nodePort}"}`)).length > 0, { timeoutMs: 45_000, intervalMs: 250, what: 'prometheus scraping node_exporter' });
}, 60_000);

afterAll(() => {
  for (const p of procs) p.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Prometheus source against real Prometheus + node_exporter', () => {
  it('reads per-mount usage and load from node_exporter series', async () => {
    const instance = source.instanceFor({ ip: '127.0.0.1', hostname: null, sn: null })!;
    const mounts = await source.readMounts(instance);
    expect(mounts.length).toBeGreaterThan(0);
    for (const m of mounts) {
      expect(m.totalBytes).toBeGreaterThan(0);
      expect(m.usedBytes).toBeLessThanOrEqual(m.totalBytes);
    }
    const load = await source.readLoad(instance);
    expect(load!.cpus).toBeGreaterThanOrEqual(1);
    expect(load!.load1).toBeGreaterThanOrEqual(0);
    await waitFor(async () => (await source.readLoadHistory(instance, 5)).length >= 2, { what: 'load history', timeoutMs: 15_000 });
  });

  it('maps Prometheus errors onto the catalogue', async () => {
    await expect(source.query('sum(')).rejects.toMatchObject({ code: 'DIAG-SYS-PROMETHEUS_QUERY_REJECTED' });
    const dead = createPrometheusSource({ url: `http://127.0.0.1:${await freePort()}`, timeoutMs: 500 });
    const err = await dead.query('up').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StarlingError);
    expect((err as StarlingError).code).toBe('DIAG-DEP-PROMETHEUS_UNAVAILABLE');
  });

  describe('a diagnosis whose disk and load come from Prometheus', () => {
    let ctx: Context & { close(): Promise<void> };
    const sshd = createServer((c) => {
      c.on('error', () => {});
      c.end('SSH-2.0-OpenSSH_9.2p1 prom-test\r\n');
    });
    beforeAll(async () => {
      await new Promise<void>((r) => sshd.listen(0, '127.0.0.1', () => r()));
      const sshPort = (sshd.address() as { port: number }).port;
      // A threshold of 0.001 % makes the real root filesystem "full", so the verdict is decided by real metrics.
      const config = loadConfig({ env: { DIAG_PROMETHEUS_URL: promUrl, DIAG_PROMETHEUS_INSTANCE_TEMPLATE: `{ip}:${nodePort}`, DIAG_DISK_MAX_USED_PERCENT: '0.001', DIAG_PROBE_TIMEOUT_MS: '500', DIAG_PING_MODE: 'tcp', DIAG_TCP_PROBE_PORTS: String(nodePort), DIAG_SSH_PORT: String(sshPort) } });
      ctx = await createContext(config, { log: createLogger({ level: 'silent' }), database: await openMemoryPglite() });
      await ctx.db.insert(hosts).values({ ip: '127.0.0.1', sn: 'SN-PROM', hostname: 'prom.test' });
    });
    afterAll(async () => {
      sshd.close();
      await ctx?.close();
    });

    it('judges disk and load from the real series', async () => {
      const engine = new DiagnosticsEngine(ctx);
      const d = await engine.diagnose({ target: '127.0.0.1' });
      const disk = d.verdict.evidence.find((e) => e.check === 'disk')!;
      const load = d.verdict.evidence.find((e) => e.check === 'load')!;
      expect(disk.source).toBe('prometheus');
      expect(disk.status).toBe('problem');
      expect(load.source).toBe('prometheus');
      expect(load.status).not.toBe('unknown');
      expect(d.verdict.code).toBe('DIAG-ENV-DISK_FULL');
      expect(d.verdict.cause.en).toMatch(/mount \S+ is [\d.]+% used/);
      await engine.close();
    });
  });
});
