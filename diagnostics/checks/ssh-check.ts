import { Socket, type LookupFunction } from 'node:net';
import { checkResult, type CheckResult } from '../types.js';

/** Options of {@link checkSsh}. */
export interface SshCheckOptions {
  /** SSH port; default 22. */
  port?: number;
  /** Time limit for connect plus banner, in ms; default 1000. */
  timeoutMs?: number;
  /** Name resolution; default the system resolver (dns.lookup). */
  lookup?: LookupFunction;
}

/**
 * Connect to the host's SSH port and read its identification line (`SSH-2.0-…`, RFC 4253
 * §4.2). ok: a banner arrived; problem: refused, timed out, closed or something else spoke.
 */
export function checkSsh(host: string, options: SshCheckOptions = {}, signal?: AbortSignal): Promise<CheckResult> {
  const port = options.port ?? 22;
  const timeoutMs = options.timeoutMs ?? 1000;
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = new Socket();
    let data = '';
    let done = false;
    const finish = (ok: boolean, reason: string, extra: Record<string, unknown> = {}, inconclusive = false) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(checkResult('ssh', started, {
        status: ok ? 'ok' : inconclusive ? 'unknown' : 'problem',
        summary: ok
          ? `${host}:${port} sent the SSH banner ${JSON.stringify(extra.banner)}.`
          : inconclusive
            ? `${host} could not be probed: ${reason}.`
            : `${host}:${port} gave no SSH banner: ${reason}.`,
        source: 'tcp',
        evidence: { host, port, reason, ...extra },
      }));
    };
    const onAbort = () => finish(false, 'aborted');
    // On a busy event loop the timer and the banner can be due together; timers run first, so
    // decide one turn later (setImmediate runs after pending I/O) to let a banner that already
    // arrived win.
    const timer = setTimeout(() => setImmediate(() => finish(false, data ? 'no complete banner line within the timeout' : `no answer within ${timeoutMs} ms`, { received: data.slice(0, 80) })), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      data += chunk;
      // The server may send other lines before the banner (RFC 4253 §4.2); the banner line is ≤ 255 bytes.
      for (const line of data.split('\n').slice(0, -1)) {
        const l = line.replace(/\r$/, '');
        if (l.startsWith('SSH-')) return finish(true, 'banner', { banner: l.slice(0, 255) });
      }
      if (data.length > 8192) finish(false, 'the service sent data that is not an SSH banner', { received: data.slice(0, 80) });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      // A name that does not resolve says nothing about the host's SSH: the check is inconclusive.
      if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'EAI_FAIL') {
        return finish(false, `the name does not resolve (${err.code})`, { code: err.code }, true);
      }
      finish(false, err.code === 'ECONNREFUSED' ? 'connection refused' : `connect error ${err.code ?? err.message}`, { code: err.code });
    });
    socket.once('close', () => finish(false, data ? 'connection closed before a banner line' : 'connection closed without data', { received: data.slice(0, 80) }));
    socket.connect({ host, port, ...(options.lookup && { lookup: options.lookup }) });
  });
}
