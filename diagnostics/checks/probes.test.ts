import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPinger, findExecutable } from './ping-check.js';
import { checkSsh } from './ssh-check.js';

let banner: Server;
let silent: Server;
let closedPort: number;
const port = (s: Server) => (s.address() as { port: number }).port;
const listen = (s: Server) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));

beforeAll(async () => {
  banner = createServer((c) => {
    c.on('error', () => {});
    c.end('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
  });
  silent = createServer((c) => c.on('error', () => {}));
  await Promise.all([listen(banner), listen(silent)]);
  const tmp = createServer();
  await listen(tmp);
  closedPort = port(tmp);
  await new Promise((r) => tmp.close(r));
});
afterAll(async () => {
  await new Promise((r) => banner.close(r));
  silent.close();
});

describe('checkSsh', () => {
  it('calls a name that does not resolve inconclusive, not a dead SSH', async () => {
    // The resolver is replaced so that the test sends no DNS query anywhere.
    const lookup = ((hostname: string, _o: unknown, cb: (err: NodeJS.ErrnoException) => void) => {
      const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
      err.code = 'ENOTFOUND';
      process.nextTick(() => cb(err));
    }) as unknown as import('node:net').LookupFunction;
    const r = await checkSsh('db-9.nowhere', { timeoutMs: 1000, lookup });
    expect(r.status).toBe('unknown');
    expect(r.summary).toContain('does not resolve');
  });

  it('reads a banner', async () => {
    const r = await checkSsh('127.0.0.1', { port: port(banner), timeoutMs: 1000 });
    expect(r.status).toBe('ok');
    expect(r.evidence.banner).toBe('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3');
  });
  it('reports a refused port and a silent one within its timeout', async () => {
    expect((await checkSsh('127.0.0.1', { port: closedPort, timeoutMs: 1000 })).evidence.reason).toBe('connection refused');
    const t = Date.now();
    const r = await checkSsh('127.0.0.1', { port: port(silent), timeoutMs: 300 });
    expect(r.status).toBe('problem');
    expect(Date.now() - t).toBeLessThan(1000);
  });
});

describe('createPinger', () => {
  it('auto picks fping when installed (it is in CI: .ci/apt-packages)', () => {
    expect(findExecutable('fping')).not.toBeNull();
    expect(createPinger().method).toBe('fping');
  });
  it.each(['fping', 'ping', 'tcp'] as const)('%s: loopback answers', async (mode) => {
    const p = createPinger({ mode, timeoutMs: 1000, tcpPorts: [port(banner)] });
    const r = await p.ping('127.0.0.1');
    expect(r.status).toBe('ok');
    expect(r.source).toBe(mode);
  });
  it('fping batches concurrent probes into one process and answers each', async () => {
    const p = createPinger({ mode: 'fping', timeoutMs: 1000 });
    const rs = await Promise.all(['127.0.0.1', '127.0.0.2', '127.0.0.3', '::1'].map((h) => p.ping(h)));
    expect(rs.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });
  it('refuses option-like targets without running anything', async () => {
    const r = await createPinger({ mode: 'fping' }).ping('-f /etc/passwd');
    expect(r.status).toBe('unknown');
  });
});
