import { backoffDelay, onceClose, type Logger } from '../core/index.js';
import {
  PROTOCOL_VERSION, type AgentHealth, type ChannelToProxy, type HostMetrics,
} from '../protocol/index.js';
import type { Transport } from './transport/index.js';

/** Options of {@link Outbox}. */
export interface OutboxOptions {
  transport: Transport;
  channelId: string;
  /** Flush at most this often, ms; default 20. */
  flushMs?: number;
  /** Above this many queued messages, heartbeats are dropped first; default 200,000. */
  maxQueued?: number;
  log?: Logger;
}

type RouteChange = { online: true; since: number; agentVersion: string } | { online: false; since: number };

/**
 * Everything the channel sends to the proxy goes through here, in batches: acks and results
 * queue as they come; routing changes and heartbeats are coalesced per agent (only the last
 * state and the latest heartbeat within a window travel). A failed send keeps the batch and
 * retries with backoff.
 */
export class Outbox {
  private queue: ChannelToProxy[] = [];
  private routes = new Map<string, RouteChange>();
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

  /** Queue a message (ack, result, undeliverable, status). */
  push(message: ChannelToProxy): void {
    this.queue.push(message);
    this.schedule();
  }

  /** Record that the channel started with no agents: the next routing batch carries `reset`. */
  markReset(): void {
    this.reset = true;
    this.schedule();
  }

  /** An agent connected (online) or left (offline); coalesced with earlier changes of the window. */
  route(agentId: string, change: RouteChange): void {
    this.routes.set(agentId, change);
    this.schedule();
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
    batch.push(...this.queue);
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
      const delay = backoffDelay(this.failures++, { baseMs: 100, maxMs: 5000 });
      this.options.log?.warn({ err: (err as Error).message, queued: this.queue.length, retryInMs: delay }, 'transport send failed; will retry');
      this.schedule(delay);
      return;
    }
    if (this.queue.length || this.routes.size || this.heartbeats.size) this.schedule();
  }

  /** Messages not yet handed to the transport. */
  get pending(): number {
    return this.queue.length + this.routes.size + this.heartbeats.size;
  }

  /** Flush what is queued (one attempt) and stop; safe to call twice. */
  readonly close = onceClose(async () => {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush().catch(() => {});
    this.closed = true;
    clearTimeout(this.timer);
  });
}
