import { connect, createServer, type Server } from 'node:net';
import type { BotServices, DiagnosisView, OwnerView } from '../../bot/index.js';

/**
 * A minimal diagnosis service for bot tests until the diagnostics component is wired: it really
 * probes the target with a TCP connect to `port` (loopback only in tests) and reports the host
 * down when the connection is refused or times out. The owner comes from a table the test gives.
 */
export function tcpDiagnosisService(options: { port: number; owners: Record<string, OwnerView>; timeoutMs?: number }): Required<Pick<BotServices, 'diagnoseHost'>> {
  return {
    async diagnoseHost(target): Promise<DiagnosisView | null> {
      if (target.kind !== 'ipv4' && target.kind !== 'ipv6') return null;
      const started = Date.now();
      const result = await new Promise<{ ok: boolean; detail: string }>((resolve) => {
        const s = connect({ host: target.value, port: options.port, timeout: options.timeoutMs ?? 500 });
        s.once('connect', () => {
          s.destroy();
          resolve({ ok: true, detail: `tcp/${options.port} open in ${Date.now() - started} ms` });
        });
        s.once('timeout', () => {
          s.destroy();
          resolve({ ok: false, detail: `tcp/${options.port} timed out` });
        });
        s.once('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, detail: `tcp/${options.port} ${err.code ?? err.message}` }));
      });
      return {
        host: target.value,
        code: result.ok ? null : 'DIAG-ENV-HOST_DOWN',
        cause: result.ok ? 'The host answers on the network.' : `The host does not answer: ${result.detail}.`,
        checks: [{ name: 'reachable', status: result.ok ? 'ok' : 'fail', detail: result.detail }],
        owner: options.owners[target.value],
        id: `tcp-${started}`,
      };
    },
  };
}

/** A TCP port on 127.0.0.1 that refuses connections (a listener opened and closed again). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A TCP listener on 127.0.0.1 (a reachable "host"); with `banner` it greets like an SSH server. */
export async function openPort(banner?: string): Promise<{ port: number; close(): Promise<void> }> {
  const s: Server = createServer((c) => {
    c.on('error', () => {});
    if (banner) c.end(banner);
    else c.destroy();
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { port: (s.address() as { port: number }).port, close: () => new Promise<void>((r) => s.close(() => r())) };
}
