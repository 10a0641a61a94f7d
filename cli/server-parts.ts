import { hostname } from 'node:os';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createInProcessTransport, createRedisTransport, startChannel, type Transport } from '../channel/index.js';
import type { ReadinessCheck, RouteBodyLimit, RunningHttpServer } from '../http/index.js';
import { createProxy, proxyBodyLimits, proxyRoutes, type ProxyCore } from '../proxy/index.js';
import type { Context } from '../runtime/index.js';

/** What a component contributes to the all-in-one `starling server`. */
export interface ServerPart {
  name: string;
  /** Routers mounted on the HTTP app. */
  routes?(ctx: Context): OpenAPIHono[];
  /** Per-route body limits beyond BODY_LIMIT_BYTES. */
  bodyLimits?(ctx: Context): RouteBodyLimit[];
  /** Define job queues (before jobs start). */
  defineJobs?(ctx: Context): void;
  /** Extra readiness checks. */
  readiness?(ctx: Context): ReadinessCheck[];
  /** Start background work once HTTP listens; the returned close runs at shutdown (in reverse order). */
  start?(ctx: Context, http: RunningHttpServer): Promise<{ close(): Promise<void> }>;
}

/** The proxy ↔ channel transport of this process: Redis Streams when REDIS_URL is set, in-process otherwise. */
export function processTransport(ctx: Context): Transport {
  return ctx.redis
    ? createRedisTransport({ redis: ctx.redis, prefix: ctx.config.TRANSPORT_PREFIX, claimIdleMs: ctx.config.TRANSPORT_CLAIM_IDLE_MS, claimIntervalMs: Math.min(5000, ctx.config.TRANSPORT_CLAIM_IDLE_MS), log: ctx.log })
    : createInProcessTransport({ log: ctx.log });
}

/** One proxy core and transport per process, built on first use with the process's context. */
function proxyHolder() {
  let held: { transport: Transport; core: ProxyCore } | undefined;
  return (ctx: Context) => {
    if (!held) {
      const transport = processTransport(ctx);
      held = { transport, core: createProxy(ctx, { transport }) };
    }
    return held;
  };
}

/** The proxy: tasks API, ConfigService, results consumer and sweeper. */
function proxyPart(get: ReturnType<typeof proxyHolder>): ServerPart {
  return {
    name: 'proxy',
    routes: (ctx) => proxyRoutes(ctx, get(ctx).core),
    bodyLimits: () => proxyBodyLimits(),
    async start(ctx) {
      const { core, transport } = get(ctx);
      await core.start();
      return {
        close: async () => {
          await core.close();
          await transport.close();
        },
      };
    },
  };
}

/** A channel inside the server process, for agents of EMBEDDED_CHANNEL_IDC. */
function embeddedChannelPart(get: ReturnType<typeof proxyHolder>): ServerPart {
  return {
    name: 'channel',
    async start(ctx) {
      const { core, transport } = get(ctx);
      const channel = await startChannel({
        channelId: `embedded-${hostname()}`,
        idc: ctx.config.EMBEDDED_CHANNEL_IDC,
        transport,
        authenticator: core.authenticator,
        port: ctx.config.EMBEDDED_CHANNEL_PORT,
        host: ctx.config.HOST,
        heartbeatMs: ctx.config.AGENT_HEARTBEAT_MS,
        log: ctx.log,
        clock: ctx.clock,
      });
      ctx.log.info({ channelId: channel.channelId, url: channel.url }, 'embedded channel listening');
      return { close: () => channel.close() };
    },
  };
}

/**
 * The components that run inside `starling server`, in start order. Each component adds
 * itself here once it has something real to run.
 */
export function serverParts(): ServerPart[] {
  const get = proxyHolder();
  return [proxyPart(get), embeddedChannelPart(get)];
}

/** What `starling proxy` runs: the proxy without a channel (channels run as `starling channel`). */
export function proxyParts(): ServerPart[] {
  return [proxyPart(proxyHolder())];
}
