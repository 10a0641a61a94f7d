import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';

/** A listening HTTP server. */
export interface RunningHttpServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  port: number;
  /** Stop accepting, wait for in-flight requests up to `graceMs` (default 5,000), then cut the rest. Safe twice. */
  close(graceMs?: number): Promise<void>;
}

/** Listen with a fetch handler on host:port (port 0 picks a free one). */
export async function startHttpServer(
  fetch: (req: Request) => Response | Promise<Response>,
  options: { port: number; host: string },
): Promise<RunningHttpServer> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch, port: options.port, hostname: options.host }, () => resolve(s as Server));
    (s as Server).once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    close: (graceMs = 5000) =>
      (closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      })),
  };
}
