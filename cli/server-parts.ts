import { hostname } from 'node:os';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createInProcessTransport, createRedisTransport, startChannel, type Transport } from '../channel/index.js';
import type { ReadinessCheck, RouteBodyLimit, RunningHttpServer } from '../http/index.js';
import {
  apiKeyAuth, createProxy, findHost, getTask, listRuns, proxyBodyLimits, proxyRoutes, TASK_PRUNE_JOB, taskPruneJob, type ProxyCore, type RunDiagnostics,
} from '../proxy/index.js';
import { botServerPart, componentBotServices, type BotServices, type HostView, type TaskView as BotTaskView } from '../bot/index.js';
import { cmdbServerPart } from '../cmdb-sync/index.js';
import {
  diagnoseJob, diagnosticsRoutes, enrichProblem, FAILED_RUNS_JOB, failedRunsJob, startDiagnosticsSyslog, storedProblemMembers, SYSLOG_PRUNE_JOB,
  syslogPruneJob,
} from '../diagnostics/index.js';
import { createRouter } from '../http/index.js';
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
  /** In `starling worker` (which never calls `start`): release what the job processors hold, after the workers stopped. */
  closeJobs?(ctx: Context): Promise<void>;
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
      held = { transport, core: createProxy(ctx, { transport, diagnostics: runDiagnostics(ctx) }) };
    }
    return held;
  };
}

/** The proxy: tasks API, ConfigService, results consumer, sweeper and the daily task retention. */
function proxyPart(get: ReturnType<typeof proxyHolder>): ServerPart {
  return {
    name: 'proxy',
    routes: (ctx) => proxyRoutes(ctx, get(ctx).core),
    bodyLimits: () => proxyBodyLimits(),
    defineJobs: (ctx) => ctx.jobs.define(taskPruneJob(ctx)),
    async start(ctx) {
      const { core, transport } = get(ctx);
      await core.start();
      await ctx.jobs.repeat(TASK_PRUNE_JOB, {}, { everyMs: 86_400_000 }, 'task-prune');
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
        metrics: ctx.metrics,
        serveMetrics: false,
        log: ctx.log,
        clock: ctx.clock,
      });
      ctx.log.info({ channelId: channel.channelId, url: channel.url }, 'embedded channel listening');
      return { close: () => channel.close() };
    },
  };
}

/**
 * Failed runs get the diagnosis of their host (cause, owner, evidence): diagnosed within the
 * budget for `wait` responses, recalled from stored diagnoses for run listings.
 */
function runDiagnostics(ctx: Context): RunDiagnostics {
  return {
    explain: (problem, run) =>
      enrichProblem(ctx, problem, { ...(run.hostId !== null ? { hostId: run.hostId } : {}), target: run.target, runId: run.runId, runCode: run.code }),
    recall: async (runs) => new Map([...(await storedProblemMembers(ctx, runs))].map(([id, m]) => [id, { ...m }])),
  };
}

/**
 * API-key authentication for routes of components that do not authenticate by themselves
 * (diagnostics, CMDB): a router of middleware only, mounted before them.
 */
function apiKeyGuard(ctx: Context, paths: string[]): OpenAPIHono {
  const router = createRouter();
  const auth = apiKeyAuth(ctx);
  for (const p of paths) router.use(p, auth);
  return router;
}

/** Diagnostics: its API, the diagnosis queue, failed-run diagnoses, syslog receiver and retention. */
const diagnosticsPart: ServerPart = {
  name: 'diagnostics',
  routes: (ctx) => [apiKeyGuard(ctx, ['/v1/diagnoses', '/v1/diagnoses/*', '/v1/hosts/*']), diagnosticsRoutes(ctx)],
  defineJobs(ctx) {
    ctx.jobs.define(diagnoseJob(ctx));
    ctx.jobs.define(syslogPruneJob(ctx));
    ctx.jobs.define(failedRunsJob(ctx));
  },
  async start(ctx) {
    await ctx.jobs.repeat(SYSLOG_PRUNE_JOB, {}, { everyMs: 3_600_000 }, 'syslog-prune');
    if (ctx.config.DIAG_FAILED_RUNS_EVERY_MS > 0) {
      await ctx.jobs.repeat(FAILED_RUNS_JOB, {}, { everyMs: ctx.config.DIAG_FAILED_RUNS_EVERY_MS }, 'failed-runs');
    }
    const syslog = await startDiagnosticsSyslog(ctx);
    return { close: async () => syslog?.close() };
  },
};

/** CMDB sync: import API, reconciliation queue and schedule, findings. */
const cmdbPart: ServerPart = {
  ...cmdbServerPart,
  routes: (ctx) => [apiKeyGuard(ctx, ['/v1/cmdb/*']), ...cmdbServerPart.routes(ctx)],
};

/** The robot's services: the components' verbs, plus host and task lookups from the proxy. */
export function botServices(ctx: Context): BotServices {
  return {
    ...componentBotServices(ctx),
    lookupHost: async (target): Promise<HostView | null> => {
      // The robot normalises case (SN upper, host name lower); fall back to what the user typed.
      const h = (await findHost(ctx.db, target.value)) ?? (target.raw !== target.value ? await findHost(ctx.db, target.raw) : null);
      if (!h) return null;
      return {
        host: h.hostname ?? h.ip ?? h.sn ?? `#${h.id}`,
        ip: h.ip ?? undefined,
        sn: h.sn ?? undefined,
        idc: h.idc ?? undefined,
        agent: { state: h.agent?.state ?? 'none', lastSeen: h.agent?.lastHeartbeatAt ?? h.lastSeenAt ?? undefined, version: h.agent?.version ?? undefined },
        owner: h.owner
          ? { name: h.owner.name, userIds: h.owner.dingtalkUserId ? [h.owner.dingtalkUserId] : [], mobiles: h.owner.mobile ? [h.owner.mobile] : [] }
          : undefined,
      };
    },
    lookupTask: async (taskId): Promise<BotTaskView | null> => {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(taskId)) return null;
      const task = await getTask(ctx.db, taskId).catch((err: { code?: string }) => {
        if (err.code === 'PROXY-USR-TASK_NOT_FOUND') return null;
        throw err;
      });
      if (!task) return null;
      const shown = 10;
      const [failedPage, timedOutPage] = await Promise.all([
        listRuns(ctx.db, taskId, { state: 'FAILED', limit: shown }),
        listRuns(ctx.db, taskId, { state: 'TIMED_OUT', limit: shown }),
      ]);
      const failed = [...failedPage.runs, ...timedOutPage.runs]
        .slice(0, shown)
        .map((r) => ({ host: r.target, code: r.error?.code ?? r.state, message: r.error?.detail }));
      const notOk = task.counts.FAILED + task.counts.TIMED_OUT;
      return {
        id: task.id,
        state: task.done ? (notOk > 0 ? 'finished with failures' : 'finished') : 'running',
        counts: Object.fromEntries(Object.entries(task.counts).filter(([, n]) => n > 0)),
        failed,
        ...(notOk > failed.length && { moreFailed: notOk - failed.length }),
      };
    },
  };
}

/**
 * The components that run inside `starling server`, in start order. Each component adds
 * itself here once it has something real to run.
 */
export function serverParts(): ServerPart[] {
  const get = proxyHolder();
  return [
    proxyPart(get),
    embeddedChannelPart(get),
    diagnosticsPart,
    cmdbPart,
    botServerPart({ adminAuth: (ctx) => apiKeyAuth(ctx), services: botServices }),
  ];
}

/** What `starling proxy` runs: the proxy and the components it serves, without a channel (channels run as `starling channel`). */
export function proxyParts(): ServerPart[] {
  const get = proxyHolder();
  return [proxyPart(get), diagnosticsPart, cmdbPart, botServerPart({ adminAuth: (ctx) => apiKeyAuth(ctx), services: botServices })];
}
