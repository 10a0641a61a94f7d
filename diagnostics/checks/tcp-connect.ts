import { Socket } from 'node:net';

/** How a TCP connect attempt ended. */
export interface TcpConnectOutcome {
  /** `open`: connected; `refused`: the host answered with RST; `timeout`; `error`: unreachable or other. */
  result: 'open' | 'refused' | 'timeout' | 'error';
  port: number;
  durationMs: number;
  /** The socket error code, e.g. EHOSTUNREACH. */
  code?: string;
}

/**
 * Connect to host:port within `timeoutMs` and close at once. A refused connection proves
 * the host is up (its kernel answered); a timeout or unreachable error does not.
 */
export function tcpConnect(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<TcpConnectOutcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = new Socket();
    let done = false;
    const finish = (result: TcpConnectOutcome['result'], code?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      const outcome: TcpConnectOutcome = { result, port, durationMs: Date.now() - started };
      if (code) outcome.code = code;
      resolve(outcome);
    };
    const onAbort = () => finish('timeout', 'ABORTED');
    // Decide one turn after the timer so a connect that is already done on a busy loop still counts.
    const timer = setTimeout(() => setImmediate(() => finish('timeout')), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish('open'));
    socket.once('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNREFUSED' ? 'refused' : 'error', err.code));
    socket.connect({ host, port });
  });
}
