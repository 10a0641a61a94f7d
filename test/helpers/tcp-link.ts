import { createServer, connect, type Server, type Socket } from 'node:net';

/** A loopback TCP forwarder that a test can cut (every connection dropped, new ones refused) and heal. */
export interface TcpLink {
  /** host:port to connect to instead of the target. */
  readonly address: string;
  /** Drop every open connection, and drop new ones at once until {@link heal}. */
  cut(): void;
  heal(): void;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

/** Forward 127.0.0.1:<free port> to `targetHost:targetPort`. */
export async function startTcpLink(targetHost: string, targetPort: number): Promise<TcpLink> {
  const open = new Set<Socket>();
  let refusing = false;
  let accepted = 0;
  const server: Server = createServer((client) => {
    accepted++;
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    address: `127.0.0.1:${port}`,
    cut() {
      refusing = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    heal() {
      refusing = false;
    },
    accepted: () => accepted,
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
