import { parseArgs } from 'node:util';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { loadConfig, redactConfig, StarlingError } from '../../core/index.js';
import { createRouter, healthRoutes, problemErrorHandler, respondWithCode, startHttpServer, type ReadinessCheck } from '../../http/index.js';
import { createContext, type Context } from '../../runtime/index.js';
import type { Command } from '../command.js';
import { serverParts, type ServerPart } from '../server-parts.js';
import { closeInOrder, installShutdown } from '../shutdown.js';
import { VERSION } from '../version.js';

/**
 * The worker's own small HTTP surface: `/healthz`, `/readyz` (database, Redis, and a `jobs`
 * check that fails once shutdown began) and `/metrics`. No API routes, no API docs.
 */
function workerHealthApp(ctx: Context, readiness: ReadinessCheck[]): OpenAPIHono {
  const app = createRouter();
  app.onError(problemErrorHandler(ctx.log));
  app.notFound((c) => respondWithCode(c, 'PROXY-USR-ROUTE_NOT_FOUND', { method: c.req.method, path: c.req.path }));
  app.route('/', healthRoutes(ctx, readiness));
  app.get('/metrics', async (c) => c.body(await ctx.metrics.metrics(), 200, { 'content-type': ctx.metrics.contentType }));
  return app;
}

/**
 * Start a worker-only process and return its handles (used by the command and by tests): the
 * job processors of every part (`defineJobs`) on BullMQ, with no API and no schedules of its
 * own (the HTTP processes declare those; see startServer). Refuses to start without REDIS_URL:
 * in-process jobs are visible only to the process that queued them.
 */
export async function startWorker(overrides: Record<string, unknown> = {}, file?: string, parts: ServerPart[] = serverParts()) {
  const config = loadConfig({ overrides, file });
  if (!config.REDIS_URL) {
    throw new StarlingError('PROXY-USR-WORKERS_NEED_REDIS', {
      what: 'the worker-only process', consequence: 'it could never see the jobs the HTTP processes queue',
    });
  }
  const ctx = await createContext(config);
  let stopping = false;
  try {
    for (const p of parts) p.defineJobs?.(ctx);
    const jobsReady: ReadinessCheck = {
      name: 'jobs',
      check: async () => {
        if (stopping) throw new StarlingError('PROXY-SYS-SHUTTING_DOWN');
        return { kind: ctx.jobs.kind, queues: ctx.jobs.queues().length };
      },
    };
    const http = await startHttpServer(workerHealthApp(ctx, [jobsReady]).fetch, { port: config.PORT, host: config.HOST });
    try {
      await ctx.jobs.start();
    } catch (err) {
      await http.close();
      throw err;
    }
    ctx.log.info(
      {
        url: http.url,
        version: VERSION,
        queues: ctx.jobs.queues(),
        database: { kind: ctx.database.kind, location: ctx.database.location },
        jobs: ctx.jobs.kind,
        config: redactConfig(config),
      },
      'starling worker started',
    );
    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        // Not ready at once; then the workers (running jobs finish while what they use is still
        // open), then what the processors hold (batched writes), then health HTTP and the context.
        stopping = true;
        await closeInOrder(ctx.log, [
          { name: 'jobs', close: () => ctx.jobs.close() },
          ...[...parts].reverse().map((p) => ({ name: p.name, close: async () => p.closeJobs?.(ctx) })),
          { name: 'http', close: () => http.close() },
        ]);
        await ctx.close();
      })());
    return { ctx, http, close };
  } catch (err) {
    await ctx.close();
    throw err;
  }
}

export const workerCommand: Command = {
  name: 'worker',
  summary: 'Run the job workers alone (robot replies, diagnoses, CMDB reconciliation), no API; needs Redis',
  usage: `starling worker [--port N] [--host ADDR] [--config FILE]

Processes the jobs that \`starling server\` / \`starling proxy\` queue (run those with
--no-workers or JOBS_WORKERS=false so replies and diagnoses never share the API's event loop).
Needs REDIS_URL (BullMQ) and the same DATABASE_URL and JOBS_PREFIX as the HTTP processes; run
as many as needed. Serves /healthz, /readyz and /metrics on PORT (give it its own, e.g.
--port 9464). Logs JSON; SIGINT/SIGTERM let running jobs finish, then exit.`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { port: { type: 'string' }, host: { type: 'string' }, config: { type: 'string' } },
      strict: true,
    });
    const overrides: Record<string, unknown> = {};
    if (values.port !== undefined) overrides.PORT = values.port;
    if (values.host !== undefined) overrides.HOST = values.host;
    const worker = await startWorker(overrides, values.config);
    await installShutdown(worker.ctx.log, worker.ctx.config.SHUTDOWN_TIMEOUT_MS, worker.close);
    return 0;
  },
};
