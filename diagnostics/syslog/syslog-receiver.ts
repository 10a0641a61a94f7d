import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { backoffDelay, StarlingError, type Logger } from '../../core/index.js';
import { SyslogFrameDecoder } from './frame-decoder.js';
import { parseSyslog, type SyslogFormat } from './parse-syslog.js';
import { classifyMessage, type SyslogKind } from './patterns.js';

/** A received, parsed and classified syslog message, ready to store. */
export interface SyslogEventInput {
  senderIp: string;
  transport: 'udp' | 'tcp';
  receivedAt: Date;
  reportedAt: Date | null;
  format: SyslogFormat;
  facility: number | null;
  severity: number | null;
  hostname: string | null;
  app: string | null;
  pid: string | null;
  message: string;
  kind: SyslogKind | null;
  patternId: string | null;
}

/** Options of {@link startSyslogReceiver}. Every default is stated. */
export interface SyslogReceiverOptions {
  /** Address to listen on; default `0.0.0.0`. */
  host?: string;
  /** UDP port; 0 picks a free one; null disables UDP. Default 5514. */
  udpPort?: number | null;
  /** TCP port; 0 picks a free one; null disables TCP. Default 5514. */
  tcpPort?: number | null;
  /** Largest message in bytes; UDP datagrams are cut, TCP frames skipped. Default 8192. */
  maxMessageBytes?: number;
  /** Most concurrent TCP connections; more are closed at once. Default 1024. */
  maxConnections?: number;
  /** A TCP connection idle this long is closed, in ms. Default 300,000. */
  idleTimeoutMs?: number;
  /** Events written per `store` call (one COPY / INSERT). Default 2000. */
  batchSize?: number;
  /** Batches being written at once. Default 2. */
  maxInFlight?: number;
  /** Longest an event waits before its batch is written, in ms. Default 200. */
  flushIntervalMs?: number;
  /**
   * Queue high-water mark: above it TCP sockets are paused (backpressure) until the queue
   * drains to half; above twice it UDP datagrams are dropped and counted. Default 20,000.
   */
  maxQueued?: number;
  /** Writes one batch (one statement, sender mapping included). Failed batches are retried with backoff. */
  store(events: SyslogEventInput[]): Promise<void>;
  /** Default: no logging. */
  log?: Logger;
}

/** Counters of a running receiver. */
export interface SyslogReceiverStats {
  received: number;
  stored: number;
  classified: number;
  oversized: number;
  invalid: number;
  droppedUdp: number;
  refusedConnections: number;
  connections: number;
  queued: number;
  storeFailures: number;
}

/** A running syslog receiver. */
export interface SyslogReceiver {
  /** Bound UDP port, or null when disabled. */
  readonly udpPort: number | null;
  /** Bound TCP port, or null when disabled. */
  readonly tcpPort: number | null;
  stats(): SyslogReceiverStats;
  /** Write everything queued now; resolves when stored (or after a failed attempt). */
  flush(): Promise<void>;
  /** Stop listening, close connections, write what is queued. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Start the syslog receiver: UDP (one message per datagram, RFC 5426) and TCP (RFC 6587
 * octet counting or LF framing), RFC 3164 and RFC 5424 messages, each parsed, classified
 * against the pattern catalogue and written in batches. Bounded everywhere: message size,
 * connections, idle time, queue (backpressure on TCP, counted drops on UDP).
 */
export async function startSyslogReceiver(options: SyslogReceiverOptions): Promise<SyslogReceiver> {
  const host = options.host ?? '0.0.0.0';
  const maxBytes = options.maxMessageBytes ?? 8192;
  const maxConnections = options.maxConnections ?? 1024;
  const idleMs = options.idleTimeoutMs ?? 300_000;
  const batchSize = options.batchSize ?? 2000;
  const flushMs = options.flushIntervalMs ?? 200;
  const maxQueued = options.maxQueued ?? 20_000;
  const maxInFlight = options.maxInFlight ?? 2;
  const log = options.log;
  const stats: SyslogReceiverStats = { received: 0, stored: 0, classified: 0, oversized: 0, invalid: 0, droppedUdp: 0, refusedConnections: 0, connections: 0, queued: 0, storeFailures: 0 };

  let queue: SyslogEventInput[] = [];
  let inFlightRows = 0;
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  let closed = false;
  const sockets = new Set<Socket>();
  let paused = false;
  const pending = () => queue.length + inFlightRows;

  const setPaused = (p: boolean) => {
    if (p === paused) return;
    paused = p;
    for (const s of sockets) if (p) s.pause(); else s.resume();
  };

  const accept = (raw: Buffer, senderIp: string, transport: 'udp' | 'tcp', receivedAt: Date) => {
    stats.received++;
    const p = parseSyslog(raw.toString('utf8'), receivedAt);
    const c = classifyMessage(p.message);
    if (c) stats.classified++;
    queue.push({ senderIp, transport, receivedAt, ...p, kind: c?.kind ?? null, patternId: c?.patternId ?? null });
    if (pending() >= maxQueued) setPaused(true);
    if (queue.length >= batchSize) pump(true);
    else timer ??= setTimeout(() => pump(true), flushMs);
  };

  // Store one batch, retrying with backoff until it is stored (or the receiver is closed):
  // what was accepted is not dropped because the database blinked.
  const storeBatch = async (batch: SyslogEventInput[]) => {
    for (;;) {
      try {
        await options.store(batch);
        stats.stored += batch.length;
        failures = 0;
        return;
      } catch (err) {
        stats.storeFailures++;
        failures++;
        log?.warn({ err, batch: batch.length }, 'syslog batch could not be stored; retrying');
        if (closed) return;
        await new Promise((r) => setTimeout(r, backoffDelay(failures, { baseMs: 100, maxMs: 5000 })));
      }
    }
  };

  // Up to `maxInFlight` batches are written at once, so parsing, the driver and the database
  // overlap. `force` also sends a partial batch (timer, flush, close).
  const pump = (force: boolean) => {
    if (force) {
      clearTimeout(timer);
      timer = undefined;
    }
    while (inFlight.size < maxInFlight && (queue.length >= batchSize || (force && queue.length > 0))) {
      const batch = queue.slice(0, batchSize);
      queue = queue.slice(batch.length);
      inFlightRows += batch.length;
      const p: Promise<void> = storeBatch(batch).finally(() => {
        inFlight.delete(p);
        inFlightRows -= batch.length;
        if (pending() <= maxQueued / 2) setPaused(false);
        if (queue.length >= batchSize) pump(false);
        else if (queue.length > 0 && !closed) timer ??= setTimeout(() => pump(true), flushMs);
      });
      inFlight.add(p);
    }
  };

  const drainAll = async () => {
    for (let guard = 0; guard < 100_000; guard++) {
      pump(true);
      if (inFlight.size === 0 && queue.length === 0) return;
      if (inFlight.size === 0 && closed) return;
      await Promise.race(inFlight);
    }
  };

  // UDP
  let udp: UdpSocket | null = null;
  let udpPort: number | null = null;
  if (options.udpPort !== null) {
    const family = host.includes(':') ? 'udp6' : 'udp4';
    udp = createSocket({ type: family, recvBufferSize: 4 * 1024 * 1024 });
    udp.on('message', (msg, rinfo) => {
      if (pending() >= maxQueued * 2) {
        stats.droppedUdp++;
        return;
      }
      if (msg.length > maxBytes) stats.oversized++;
      accept(msg.length > maxBytes ? msg.subarray(0, maxBytes) : msg, rinfo.address, 'udp', new Date());
    });
    udp.on('error', (err) => log?.warn({ err }, 'syslog UDP socket error'));
    await new Promise<void>((resolve, reject) => {
      udp!.once('error', (err) => reject(new StarlingError('DIAG-SYS-SYSLOG_LISTEN_FAILED', { transport: 'udp', host, port: options.udpPort ?? 5514, reason: err.message }, {}, { cause: err })));
      udp!.bind(options.udpPort ?? 5514, host, () => resolve());
    });
    udpPort = udp.address().port;
  }

  // TCP
  let tcp: Server | null = null;
  let tcpPort: number | null = null;
  if (options.tcpPort !== null) {
    tcp = createServer({ pauseOnConnect: false }, (socket) => {
      if (sockets.size >= maxConnections || closed) {
        stats.refusedConnections++;
        socket.destroy();
        return;
      }
      sockets.add(socket);
      stats.connections = sockets.size;
      if (paused) socket.pause();
      const sender = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
      // One receive time per chunk read from the socket (messages in it arrived together).
      let chunkAt = new Date();
      const decoder = new SyslogFrameDecoder({
        maxMessageBytes: maxBytes,
        onMessage: (m) => accept(m, sender, 'tcp', chunkAt),
        onReject: (reason) => {
          if (reason === 'oversized') stats.oversized++;
          else stats.invalid++;
        },
      });
      socket.setTimeout(idleMs, () => socket.destroy());
      socket.on('data', (chunk: Buffer) => {
        chunkAt = new Date();
        decoder.push(chunk);
      });
      socket.on('end', () => {
        decoder.end();
        socket.end();
      });
      socket.on('error', () => socket.destroy());
      socket.on('close', () => {
        sockets.delete(socket);
        stats.connections = sockets.size;
      });
    });
    tcp.maxConnections = maxConnections + 16;
    tcp.on('error', (err) => log?.warn({ err }, 'syslog TCP server error'));
    await new Promise<void>((resolve, reject) => {
      tcp!.once('error', (err) => reject(new StarlingError('DIAG-SYS-SYSLOG_LISTEN_FAILED', { transport: 'tcp', host, port: options.tcpPort ?? 5514, reason: err.message }, {}, { cause: err })));
      tcp!.listen(options.tcpPort ?? 5514, host, () => resolve());
    }).catch(async (err) => {
      udp?.close();
      throw err;
    });
    tcpPort = (tcp.address() as { port: number }).port;
  }

  let closing: Promise<void> | undefined;
  return {
    udpPort,
    tcpPort,
    stats: () => ({ ...stats, queued: pending() }),
    flush: drainAll,
    close: () =>
      (closing ??= (async () => {
        closed = true;
        clearTimeout(timer);
        for (const s of sockets) s.destroy();
        await Promise.all([
          udp ? new Promise<void>((r) => udp!.close(() => r())) : undefined,
          tcp ? new Promise<void>((r) => tcp!.close(() => r())) : undefined,
        ]);
        await drainAll();
      })()),
  };
}
