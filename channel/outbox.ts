import { backoffDelay, onceClose, type Logger } from '../core/index.js';
import {
  PROTOCOL_VERSION, type AgentHealth, type ChannelToProxy, type HostMetrics,
} from '../protocol/index.js';
import type { Lane, Transport } from './transport/index.js';

/** Options of {@link Outbox}. */
export interface OutboxOptions {
  transport: Transport;
  channelId: string;
  /** Flush at most this often, ms; default 20. */
  flushMs?: number;
  /** Above this many queued messages, heartbeats are dropped first; default 200,000. */
  maxQueued?: number;
  /**
   * An interactive message of an agent whose routing changed this recently carries that change
   * along, ms; default 10,000 (see `flushUrgent`).
   */
  routeEchoMs?: number;
  log?: Logger;
}

type RouteChange = { online: true; since: number; agentVersion: string } | { online: false; since: number };

/**
 * Everything the channel sends to the proxy goes through here, in batches: acks and results
 * queue as they come; routing changes and heartbeats are coalesced per agent (only the last
 * state and the latest heartbeat within a window travel). A failed send keeps the batch and
 * retries with backoff. Messages of the interactive lane (acks and results of interactive
 * runs) skip the flush window: they leave at the next turn of the event loop, in their own
 * lane, whether or not a bulk batch is being sent.
 */
export class Outbox {
  // Holes (undefined) are acks folded into their result after they were queued.
  private queue: Array<ChannelToProxy | undefined> = [];
  private urgent: Array<ChannelToProxy | undefined> = [];
  /** Where each queued, not yet sent `run.ack` sits (queue or urgent), by run id. */
  private acks = new Map<string, { lane: Lane; index: number }>();
  private urgentScheduled = false;
  private urgentFlushing: Promise<void> | undefined;
  private urgentFailures = 0;
  private urgentTimer: NodeJS.Timeout | undefined;
  private routes = new Map<string, RouteChange>();
  /** Each agent's latest routing change of the last `routeEchoMs`, for the interactive lane (see flushUrgent). */
  private recentRoutes = new Map<string, RouteChange & { at: number }>();
  private heartbeats = new Map<string, { agentId: string; at: number; health: AgentHealth; metrics: HostMetrics }>();
  private reset = false;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  private readonly flushMs: number;
  private readonly maxQueued: number;

  constructor(private readonly options: OutboxOptions) {
    this.flushMs = options.flushMs ?? 20;
    this.maxQueued = options.maxQueued ?? 200_000;
  }

  /**
   * Queue a message (ack, result, undeliverable, status) for its lane (default bulk). A result
   * whose run's ack is still queued takes the ack's place: one message (`ackedAt`) instead of
   * two, for every command that finishes within the flush window.
   */
  push(message: ChannelToProxy, lane: Lane = 'bulk'): void {
    const list = lane === 'interactive' ? this.urgent : this.queue;
    if (message.type === 'run.ack' && !message.duplicate) {
      this.acks.set(message.runId, { lane, index: list.length });
    } else if (message.type === 'run.result') {
      const at = this.acks.get(message.result.runId);
      const ack = at && (at.lane === 'interactive' ? this.urgent : this.queue)[at.index];
      if (at && ack?.type === 'run.ack' && ack.runId === message.result.runId && ack.agentId === message.agentId) {
        (at.lane === 'interactive' ? this.urgent : this.queue)[at.index] = undefined;
        message = { ...message, ackedAt: ack.at };
      }
      if (at) this.acks.delete(message.result.runId);
    }
    list.push(message);
    if (lane === 'interactive') this.scheduleUrgent(0);
    else this.schedule();
  }

  private scheduleUrgent(delay: number): void {
    if (this.urgentScheduled || this.urgentFlushing || this.closed) return;
    this.urgentScheduled = true;
    // setImmediate: an ack and a result read in the same turn travel together.
    const run = () => {
      this.urgentScheduled = false;
      this.urgentTimer = undefined;
      if (!this.closed) void this.flushUrgent();
    };
    if (delay > 0) this.urgentTimer = setTimeout(run, delay);
    else setImmediate(run);
  }

  /**
   * Send the interactive lane now. Its messages may overtake the bulk lane, where routing
   * changes travel: an agent that just (re)connected could have its result applied before the
   * proxy knows it is online, and the next command for it would find it offline. So the
   * latest routing change of each agent in the batch, if recent, travels along (a copy: the
   * bulk lane still sends it; applying one twice changes nothing).
   */
  private flushUrgent(): Promise<void> {
    if (this.urgentFlushing) return this.urgentFlushing;
    const batch = this.urgent.filter((m): m is ChannelToProxy => m !== undefined);
    this.urgent = [];
    this.forgetAcks('interactive');
    if (batch.length === 0) return Promise.resolve();
    const echo = this.recentRoutesOf(batch);
    this.urgentFlushing = (async () => {
      try {
        await this.options.transport.sendToProxy(echo ? [echo, ...batch] : batch, 'interactive');
        this.urgentFailures = 0;
      } catch (err) {
        this.urgent = (batch as Array<ChannelToProxy | undefined>).concat(this.urgent);
        this.forgetAcks('interactive'); // positions moved
        const delay = backoffDelay(this.urgentFailures++, { baseMs: 100, maxMs: 5000 });
        this.options.log?.warn({ err: (err as Error).message, queued: this.urgent.length, retryInMs: delay }, 'transport send failed (interactive lane); will retry');
        this.urgentFlushing = undefined;
        this.scheduleUrgent(delay);
        return;
      }
      this.urgentFlushing = undefined;
      if (this.urgent.length) this.scheduleUrgent(0);
    })();
    return this.urgentFlushing;
  }

  /** Record that the channel started with no agents: the next routing batch carries `reset`. */
  markReset(): void {
    this.reset = true;
    this.schedule();
  }

  /** An agent connected (online) or left (offline); coalesced with earlier changes of the window. */
  route(agentId: string, change: RouteChange): void {
    this.routes.set(agentId, change);
    this.recentRoutes.delete(agentId); // re-inserted last: the map stays in time order
    this.recentRoutes.set(agentId, { ...change, at: Date.now() });
    this.schedule();
  }

  /** Forget routing changes older than `routeEchoMs` (the map is in time order). */
  private pruneRecentRoutes(now: number): void {
    const echoMs = this.options.routeEchoMs ?? 10_000;
    for (const [agentId, r] of this.recentRoutes) {
      if (now - r.at <= echoMs) break;
      this.recentRoutes.delete(agentId);
    }
  }

  private recentRoutesOf(batch: readonly ChannelToProxy[]): ChannelToProxy | null {
    if (this.recentRoutes.size === 0) return null;
    const now = Date.now();
    this.pruneRecentRoutes(now);
    const online: Array<{ agentId: string; since: number; agentVersion: string }> = [];
    const offline: Array<{ agentId: string; since: number }> = [];
    const seen = new Set<string>();
    for (const m of batch) {
      const agentId = 'agentId' in m ? m.agentId : undefined;
      if (agentId === undefined || seen.has(agentId)) continue;
      seen.add(agentId);
      const r = this.recentRoutes.get(agentId);
      if (!r) continue;
      if (r.online) online.push({ agentId, since: r.since, agentVersion: r.agentVersion });
      else offline.push({ agentId, since: r.since });
    }
    if (!online.length && !offline.length) return null;
    return { type: 'route.changes', v: PROTOCOL_VERSION, channelId: this.options.channelId, at: now, reset: false, online, offline };
  }

  /** The agent's latest heartbeat replaces any earlier one not yet sent. */
  heartbeat(agentId: string, at: number, health: AgentHealth, metrics: HostMetrics): void {
    if (this.queue.length > this.maxQueued) return; // shedding load: heartbeats are the first to go
    this.heartbeats.set(agentId, { agentId, at, health, metrics });
    this.schedule();
  }

  private schedule(delay = this.flushMs): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delay);
  }

  /** Send everything queued now; resolves when the transport took it (or failed and re-queued it). */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    this.pruneRecentRoutes(Date.now());
    const batch: ChannelToProxy[] = [];
    const channelId = this.options.channelId;
    if (this.routes.size || this.reset) {
      const online: Array<{ agentId: string; since: number; agentVersion: string }> = [];
      const offline: Array<{ agentId: string; since: number }> = [];
      for (const [agentId, c] of this.routes) {
        if (c.online) online.push({ agentId, since: c.since, agentVersion: c.agentVersion });
        else offline.push({ agentId, since: c.since });
      }
      batch.push({ type: 'route.changes', v: PROTOCOL_VERSION, channelId, at: Date.now(), reset: this.reset, online, offline });
    }
    // Routing first: the proxy learns where an agent is before it reads that agent's acks.
    for (const m of this.queue) if (m !== undefined) batch.push(m);
    this.forgetAcks('bulk');
    if (this.heartbeats.size) {
      batch.push({ type: 'agent.heartbeats', v: PROTOCOL_VERSION, channelId, items: [...this.heartbeats.values()] });
    }
    if (batch.length === 0) return;
    const saved = { routes: this.routes, reset: this.reset, queue: this.queue, heartbeats: this.heartbeats };
    this.routes = new Map();
    this.reset = false;
    this.queue = [];
    this.heartbeats = new Map();
    try {
      await this.options.transport.sendToProxy(batch);
      this.failures = 0;
    } catch (err) {
      // Put it back, older first, and merge what arrived meanwhile.
      for (const [k, v] of this.routes) saved.routes.set(k, v);
      for (const [k, v] of this.heartbeats) saved.heartbeats.set(k, v);
      this.routes = saved.routes;
      this.heartbeats = saved.heartbeats;
      this.reset ||= saved.reset;
      this.queue = saved.queue.concat(this.queue);
      this.forgetAcks('bulk'); // positions moved
      const delay = backoffDelay(this.failures++, { baseMs: 100, maxMs: 5000 });
      this.options.log?.warn({ err: (err as Error).message, queued: this.queue.length, retryInMs: delay }, 'transport send failed; will retry');
      this.schedule(delay);
      return;
    }
    if (this.queue.length || this.routes.size || this.heartbeats.size) this.schedule();
  }

  /** The queue of `lane` was taken for sending: its acks can no longer be folded. */
  private forgetAcks(lane: Lane): void {
    if (this.acks.size === 0) return;
    for (const [runId, at] of this.acks) if (at.lane === lane) this.acks.delete(runId);
  }

  /** Messages not yet handed to the transport. */
  get pending(): number {
    return this.queue.length + this.urgent.length + this.routes.size + this.heartbeats.size;
  }

  /** Flush what is queued (one attempt) and stop; safe to call twice. */
  readonly close = onceClose(async () => {
    clearTimeout(this.timer);
    this.timer = undefined;
    clearTimeout(this.urgentTimer);
    this.urgentTimer = undefined;
    this.urgentScheduled = false;
    await Promise.all([this.flush().catch(() => {}), this.flushUrgent().catch(() => {})]);
    this.closed = true;
    clearTimeout(this.timer);
  });
}
