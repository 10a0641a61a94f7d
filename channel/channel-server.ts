import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, type Registry } from 'prom-client';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { onceClose, StarlingError, systemClock, TimeSlice, type Clock, type Logger } from '../core/index.js';
import {
  agentToChannel, CLOSE_CODES, DEFAULT_MAX_FRAME_BYTES, encodeFrame, errorFrameFor, parseFrame, PROTOCOL_VERSION,
  type AgentToChannel, type ProxyToChannel,
} from '../protocol/index.js';
import type { AgentAuthenticator } from './agent-authenticator.js';
import { Outbox } from './outbox.js';
import { ResultAckQueue } from './result-acks.js';
import type { Lane, Transport, TransportConsumer } from './transport/index.js';

/** Options of {@link startChannel}. */
export interface ChannelOptions {
  /** This channel's id: its dispatch stream and its name in the routing table. */
  channelId: string;
  /** The IDC this channel serves. */
  idc: string;
  transport: Transport;
  authenticator: AgentAuthenticator;
  /** Listen port; default 0 (a free port). */
  port?: number;
  /** Listen address; default `127.0.0.1`. */
  host?: string;
  /** URL agents are told to connect to; default `ws://{host}:{port}/`. */
  publicUrl?: string;
  /** Connections above which the channel sheds idle agents and refuses new ones; default 20,000. */
  capacity?: number;
  /** Heartbeat interval told to agents in `welcome`, ms; default 30,000. A silent agent is dropped after 3 intervals. */
  heartbeatMs?: number;
  /** Time a new connection has to send `hello`, ms; default 10,000. */
  helloTimeoutMs?: number;
  /** Largest frame parsed, bytes; larger ones get CHANNEL-USR-FRAME_TOO_LARGE and the connection stays; default 1 MiB. Frames above 4× this close the socket (1009). */
  maxFrameBytes?: number;
  /** Outbox flush interval, ms; default 20. */
  flushMs?: number;
  /** How often `channel.status` is sent and capacity is enforced, ms; default 5000. */
  statusIntervalMs?: number;
  /** Bulk dispatches are forwarded for at most this long before the channel yields to other work (the interactive lane), ms; default 3. */
  bulkSliceMs?: number;
  /**
   * Result acks of the bulk lane are held this long and coalesced per agent, longer while
   * bulk dispatches are still being forwarded (5 s at most), see `ResultAckQueue`; default 500.
   * Interactive ones go at once, and all of them with 0.
   */
  resultAckDelayMs?: number;
  /** The channel's own gauges are added to this registry; default none. */
  metrics?: Registry;
  /**
   * Serve `metrics` at `GET /metrics` on the agents' port; default true. The embedded channel
   * says false: its gauges are in the server's registry, served on the API port.
   */
  serveMetrics?: boolean;
  log?: Logger;
  clock?: Clock;
}

/** A running channel. */
export interface RunningChannel {
  readonly channelId: string;
  /** The URL agents connect to. */
  readonly url: string;
  /** Connected, authenticated agents. */
  connections(): number;
  /** Ask up to `count` idle agents to reconnect elsewhere, spread over `withinMs`; resolves to how many were asked. */
  shed(count: number, withinMs?: number): number;
  /** Messages waiting to be handed to the transport. */
  pendingToProxy(): number;
  /** Drop one agent's connection (e.g. its credential was revoked); false when it is not connected here. */
  disconnect(agentId: string): boolean;
  /** Tell agents to go, report offline, stop; safe to call twice. */
  close(): Promise<void>;
}

/** Per-connection state, kept small: 10,000 of these must fit in a few MB. */
interface Conn {
  ws: WebSocket;
  agentId: string | null;
  agentVersion: string;
  lastSeen: number;
  openedAt: number;
  /** Runs forwarded and not yet answered with a result. */
  inflight: number;
  shedding: boolean;
  verifying: boolean;
}

/**
 * Start a channel: a WebSocket server for agents. It authenticates each connection with
 * the injected {@link AgentAuthenticator}, keeps the agent → connection table in memory,
 * reports routing changes, acks, results and heartbeats to the proxy in batches through the
 * transport, forwards the runs and result acks it consumes from its own dispatch stream, and
 * sheds idle agents when over capacity. See channel/README.md for its rules.
 */
export async function startChannel(options: ChannelOptions): Promise<RunningChannel> {
  const log = options.log;
  const clock = options.clock ?? systemClock;
  const { channelId, transport } = options;
  const capacity = options.capacity ?? 20_000;
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const helloTimeoutMs = options.helloTimeoutMs ?? 10_000;
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const statusIntervalMs = options.statusIntervalMs ?? 5000;
  const startedAt = clock.now();
  const bulkSliceMs = options.bulkSliceMs ?? 3;
  const resultAckDelayMs = options.resultAckDelayMs ?? 500;
  const agents = new Map<string, Conn>();
  const pendingConns = new Set<Conn>();
  // Runs that came in the interactive lane (until their result, or their deadline): their
  // acks and results go back in that lane. Small: interactive tasks are small.
  const interactiveRuns = new Map<string, number>();
  const laneOf = (runId: string): Lane => (interactiveRuns.has(runId) ? 'interactive' : 'bulk');
  let lastBulkAt = 0;
  const outbox = new Outbox({ transport, channelId, flushMs: options.flushMs ?? 20, ...(log && { log }) });
  let closing = false;

  const metrics = options.metrics;
  if (metrics) {
    for (const [name, help, value] of [
      ['starling_channel_connections', 'Authenticated agents connected to this channel', () => agents.size],
      ['starling_channel_pending_to_proxy', 'Messages waiting to be handed to the transport', () => outbox.pending],
    ] as const) {
      if (metrics.getSingleMetric(name)) metrics.removeSingleMetric(name);
      new Gauge({ name, help, labelNames: [], registers: [metrics], collect() { this.set(value()); } });
    }
  }
  const http: Server = createServer((req, res) => {
    if (req.url === '/metrics' && metrics && (options.serveMetrics ?? true)) {
      metrics.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.contentType });
          res.end(text);
        },
        (err: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`${err.message}\n`);
        },
      );
      return;
    }
    if (req.url === '/healthz' || req.url === '/healthz?gc=1') {
      // Diagnostics: with node --expose-gc, ?gc=1 collects first so the figures show live memory.
      const gc = (globalThis as { gc?: () => void }).gc;
      if (req.url.endsWith('gc=1') && gc) gc();
      res.writeHead(200, { 'content-type': 'application/json' });
      const m = process.memoryUsage();
      res.end(JSON.stringify({ channelId, connections: agents.size, capacity, memory: { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers }}));
      return;
    }
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('WebSocket only\n');
  });
  const wss = new WebSocketServer({
    server: http,
    perMessageDeflate: false, // compression costs ~300 KB per socket with zlib; frames are small
    clientTracking: false,
    maxPayload: maxFrameBytes * 4,
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const addr = http.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = options.publicUrl ?? `ws://${host}:${addr.port}/`;

  const send = (conn: Conn, frame: object) => {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(encodeFrame(frame));
  };
  const reject = (conn: Conn, err: StarlingError, closeCode: number) => {
    send(conn, errorFrameFor(err));
    conn.ws.close(closeCode, err.code);
  };

  const deliverAcks = (agentId: string, runIds: string[]) => {
    const conn = agents.get(agentId);
    if (conn) send(conn, { type: 'result.ack', v: PROTOCOL_VERSION, runIds });
  };
  const resultAcks = new ResultAckQueue({
    deliver: deliverAcks, busy: () => clock.now() - lastBulkAt < 100, delayMs: resultAckDelayMs,
  });

  const status = (up: boolean) =>
    outbox.push({
      type: 'channel.status', v: PROTOCOL_VERSION, channelId, idc: options.idc, url,
      connections: agents.size, capacity, startedAt, at: clock.now(), up,
    });

  function shed(count: number, withinMs = 30_000): number {
    let asked = 0;
    for (const conn of agents.values()) {
      if (asked >= count) break;
      if (conn.shedding || conn.inflight > 0) continue;
      conn.shedding = true;
      send(conn, { type: 'rebalance', v: PROTOCOL_VERSION, reason: 'over_capacity', withinMs, reregister: true });
      asked++;
    }
    if (asked) log?.info({ channelId, asked, connections: agents.size, capacity }, 'asked agents to reconnect elsewhere');
    return asked;
  }

  async function onHello(conn: Conn, frame: Extract<AgentToChannel, { type: 'hello' }>) {
    conn.verifying = true;
    let ok: boolean;
    try {
      ok = await options.authenticator.verify(frame.agentId, frame.credential);
    } catch (err) {
      log?.warn({ err: (err as Error).message }, 'credential check failed');
      return reject(conn, new StarlingError('CHANNEL-DEP-AUTHENTICATOR_UNAVAILABLE', { reason: (err as Error).message }), CLOSE_CODES.internal);
    } finally {
      conn.verifying = false;
    }
    pendingConns.delete(conn);
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    if (!ok) return reject(conn, new StarlingError('CHANNEL-USR-AUTH_FAILED', { agentId: frame.agentId }), CLOSE_CODES.authFailed);
    const previous = agents.get(frame.agentId);
    if (!previous && agents.size >= capacity) {
      return reject(conn, new StarlingError('CHANNEL-SYS-FULL', { channelId, connections: agents.size, capacity }), CLOSE_CODES.full);
    }
    if (previous) {
      previous.agentId = null; // its close must not report this agent offline
      reject(previous, new StarlingError('CHANNEL-SYS-REPLACED', { agentId: frame.agentId }), CLOSE_CODES.replaced);
    }
    conn.agentId = frame.agentId;
    conn.agentVersion = frame.agentVersion;
    agents.set(frame.agentId, conn);
    send(conn, { type: 'welcome', v: PROTOCOL_VERSION, channelId, heartbeatMs, serverTime: clock.now() });
    outbox.route(frame.agentId, { online: true, since: clock.now(), agentVersion: frame.agentVersion });
  }

  function onFrame(conn: Conn, data: RawData) {
    conn.lastSeen = clock.now();
    const parsed = parseFrame(data as Buffer | Buffer[] | ArrayBuffer, agentToChannel, { maxBytes: maxFrameBytes });
    if (!parsed.ok) {
      log?.debug({ agentId: conn.agentId, code: parsed.error.code }, 'bad frame from agent');
      if (!conn.agentId && parsed.error.code === 'CHANNEL-USR-PROTOCOL_UNSUPPORTED') return reject(conn, parsed.error, CLOSE_CODES.unsupported);
      return send(conn, errorFrameFor(parsed.error));
    }
    const frame = parsed.frame;
    if (frame.type === 'hello') {
      if (conn.agentId || conn.verifying) return send(conn, errorFrameFor(new StarlingError('CHANNEL-USR-FRAME_INVALID', { frameType: 'hello', reason: 'already authenticated' })));
      void onHello(conn, frame);
      return;
    }
    const agentId = conn.agentId;
    if (!agentId) {
      return reject(conn, new StarlingError('CHANNEL-USR-NOT_AUTHENTICATED', { frameType: frame.type }), CLOSE_CODES.authFailed);
    }
    const now = clock.now();
    switch (frame.type) {
      case 'heartbeat':
        outbox.heartbeat(agentId, frame.at, frame.health, frame.metrics);
        return;
      case 'run.ack':
        outbox.push({ type: 'run.ack', v: PROTOCOL_VERSION, channelId, agentId, runId: frame.runId, duplicate: frame.duplicate, at: frame.at || now }, laneOf(frame.runId));
        return;
      case 'run.result': {
        if (conn.inflight > 0) conn.inflight--;
        const lane = laneOf(frame.runId);
        interactiveRuns.delete(frame.runId);
        outbox.push({ type: 'run.result', v: PROTOCOL_VERSION, channelId, agentId, result: frame }, lane);
        return;
      }
      case 'error':
        log?.info({ agentId, code: frame.error.code, runId: frame.runId }, 'agent reported an error');
        return;
    }
  }

  wss.on('connection', (ws: WebSocket, _req: IncomingMessage) => {
    const now = clock.now();
    const conn: Conn = { ws, agentId: null, agentVersion: '', lastSeen: now, openedAt: now, inflight: 0, shedding: false, verifying: false };
    if (closing) {
      ws.close(CLOSE_CODES.goingAway, 'shutting down');
      return;
    }
    pendingConns.add(conn);
    ws.on('message', (data) => onFrame(conn, data));
    ws.on('error', () => {}); // followed by close
    ws.on('close', () => {
      pendingConns.delete(conn);
      const agentId = conn.agentId;
      if (agentId && agents.get(agentId) === conn) {
        agents.delete(agentId);
        if (!closing) outbox.route(agentId, { online: false, since: clock.now() });
      }
    });
  });

  // One timer for every connection: hello timeouts and silent agents (no per-socket timers).
  const sweep = setInterval(() => {
    const now = clock.now();
    for (const conn of pendingConns) {
      if (!conn.verifying && now - conn.openedAt > helloTimeoutMs) {
        pendingConns.delete(conn);
        reject(conn, new StarlingError('CHANNEL-USR-AUTH_TIMEOUT', { timeoutMs: helloTimeoutMs }), CLOSE_CODES.authTimeout);
      }
    }
    for (const conn of agents.values()) {
      if (now - conn.lastSeen > 3 * heartbeatMs) conn.ws.terminate();
    }
    for (const [runId, until] of interactiveRuns) if (until < now) interactiveRuns.delete(runId);
  }, Math.min(1000, helloTimeoutMs));
  sweep.unref();

  const statusTimer = setInterval(() => {
    status(true);
    if (agents.size > capacity) shed(agents.size - capacity);
  }, statusIntervalMs);
  statusTimer.unref();

  /** Hand one signed run (an object, or its encoded text) to its agent, or report it undeliverable. */
  function forward(agentId: string, runId: string, deadline: number, text: () => string, lane: Lane): void {
    const conn = agents.get(agentId);
    if (conn && conn.ws.readyState === conn.ws.OPEN) {
      if (lane === 'interactive') {
        // Bounded: a flood of interactive runs without results forgets the oldest (they only lose priority).
        if (interactiveRuns.size >= 100_000) interactiveRuns.delete(interactiveRuns.keys().next().value!);
        interactiveRuns.set(runId, deadline + 60_000);
      }
      conn.inflight++;
      conn.ws.send(text());
    } else {
      const err = new StarlingError('CHANNEL-ENV-AGENT_OFFLINE', { agentId, channelId });
      outbox.push({
        type: 'run.undeliverable', v: PROTOCOL_VERSION, channelId, agentId, runId, error: { code: err.code, message: err.message }, at: clock.now(),
      }, lane);
    }
  }

  function onDispatch(m: ProxyToChannel, lane: Lane): void {
    if (m.type === 'run.dispatch.encoded') {
      forward(m.agentId, m.runId, m.deadline, () => m.frame, lane);
    } else if (m.type === 'run.dispatch') {
      forward(m.frame.agentId, m.frame.runId, m.frame.deadline, () => encodeFrame(m.frame), lane);
    } else if (m.type === 'result.ack') {
      if (lane === 'interactive' || resultAckDelayMs === 0) deliverAcks(m.agentId, m.runIds);
      else resultAcks.push(m.agentId, m.runIds);
    } else if (m.type === 'channel.shed') {
      shed(m.shed, m.withinMs);
    }
  }

  // The bulk lane is forwarded in slices of `bulkSliceMs`, yielding between them, so that an
  // interactive delivery (read by its own loop) or an agent's frame waits one slice at most.
  // (Each forward is a socket write: ~20 µs on an idle machine, 100 µs and more on a busy one.)
  async function onDispatches(messages: ProxyToChannel[], lane: Lane): Promise<void> {
    if (lane === 'bulk') lastBulkAt = clock.now();
    const slice = lane === 'bulk' ? new TimeSlice(bulkSliceMs) : null;
    for (const m of messages) {
      if (slice?.due()) {
        await slice.yield();
        lastBulkAt = clock.now();
      }
      onDispatch(m, lane);
    }
  }

  outbox.markReset();
  status(true);
  const consumer: TransportConsumer = transport.consumeChannel(channelId, onDispatches);
  log?.info({ channelId, idc: options.idc, url, capacity }, 'channel listening');

  return {
    channelId,
    url,
    connections: () => agents.size,
    shed,
    pendingToProxy: () => outbox.pending,
    disconnect: (agentId) => {
      const conn = agents.get(agentId);
      conn?.ws.terminate();
      return conn !== undefined;
    },
    close: onceClose(async () => {
      closing = true;
      clearInterval(sweep);
      clearInterval(statusTimer);
      await consumer.close();
      await resultAcks.flush(); // before the agents go: they would only re-send those results
      resultAcks.close();
      const now = clock.now();
      for (const [agentId, conn] of agents) {
        outbox.route(agentId, { online: false, since: now });
        send(conn, { type: 'rebalance', v: PROTOCOL_VERSION, reason: 'shutdown', withinMs: 5000, reregister: true });
        conn.ws.close(CLOSE_CODES.goingAway, 'channel shutting down');
      }
      for (const conn of pendingConns) conn.ws.terminate();
      // Give agents a moment to answer the close handshake, then cut whoever did not.
      const open = [...agents.values()].filter((c) => c.ws.readyState !== c.ws.CLOSED);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(open.map((c) => new Promise<void>((r) => c.ws.once('close', () => r())))),
        new Promise<void>((r) => (timer = setTimeout(r, 2000))),
      ]);
      clearTimeout(timer);
      for (const c of open) if (c.ws.readyState !== c.ws.CLOSED) c.ws.terminate();
      agents.clear();
      status(false);
      await outbox.close();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
      http.closeAllConnections();
      log?.info({ channelId }, 'channel stopped');
    }),
  };
}
