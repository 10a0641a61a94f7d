import { parseArgs } from 'node:util';
import { loadConfig, redactConfig, StarlingError } from '../../core/index.js';
import { createApp, startHttpServer } from '../../http/index.js';
import { createContext } from '../../runtime/index.js';
import type { Command } from '../command.js';
import { serverParts, type ServerPart } from '../server-parts.js';
import { closeInOrder, installShutdown } from '../shutdown.js';
import { VERSION } from '../version.js';

/** Start the all-in-one server and return its handles (used by the command and by tests). */
export async function startServer(overrides: Record<string, unknown> = {}, file?: string, parts: ServerPart[] = serverParts()) {
  const config = loadConfig({ overrides, file });
  if (!config.JOBS_WORKERS && !config.REDIS_URL) {
    throw new StarlingError('PROXY-USR-WORKERS_NEED_REDIS', {
      what: 'JOBS_WORKERS=false (--no-workers)', consequence: 'no other process could ever run the jobs this one queues',
    });
  }
  const ctx = await createContext(config);
  const closers: Array<{ name: string; close(): Promise<void> }> = [];
  try {
    for (const p of parts) p.defineJobs?.(ctx);
    const app = createApp(ctx, {
      version: VERSION,
      routes: parts.flatMap((p) => p.routes?.(ctx) ?? []),
      bodyLimits: parts.flatMap((p) => p.bodyLimits?.(ctx) ?? []),
      readiness: parts.flatMap((p) => p.readiness?.(ctx) ?? []),
    });
    const http = await startHttpServer(app.fetch, { port: config.PORT, host: config.HOST });
    closers.push({ name: 'http', close: () => http.close() });
    // The parts' start() declares the repeating schedules (cleanups, failed-run diagnoses, CMDB
    // reconciliation) here, in every HTTP process, with or without workers; `starling worker`
    // never declares one. Why here: each schedule sits next to the settings that enable it, and
    // BullMQ keeps one schedule per id however many processes declare it (a replacing upsert),
    // its next run added by whichever worker takes the current one, so the declaring process
    // needs no workers and adding worker replicas never touches schedules. Without Redis the
    // schedules are timers of this process, which then runs the workers (checked above).
    for (const p of parts) {
      if (p.start) closers.push({ name: p.name, ...(await p.start(ctx, http)) });
    }
    // JOBS_WORKERS=false: this process only queues jobs; `starling worker` processes them, so
    // a slow diagnosis or a burst of replies never delays the HTTP event loop.
    if (config.JOBS_WORKERS) await ctx.jobs.start();
    ctx.log.info(
      {
        url: http.url,
        version: VERSION,
        database: { kind: ctx.database.kind, location: ctx.database.location },
        jobs: ctx.jobs.kind,
        workers: config.JOBS_WORKERS,
        redis: ctx.redis ? 'configured' : 'not configured',
        config: redactConfig(config),
      },
      'starling server listening',
    );
    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        // HTTP first (no new work), then the job workers (running jobs finish while the parts
        // they use are still open), then the parts in reverse start order, then the context.
        const [httpCloser, ...partClosers] = closers;
        await closeInOrder(ctx.log, [httpCloser!, { name: 'jobs', close: () => ctx.jobs.close() }, ...partClosers.reverse()]);
        await ctx.close();
      })());
    return { ctx, http, app, close };
  } catch (err) {
    for (const c of closers.reverse()) await c.close().catch(() => {});
    await ctx.close();
    throw err;
  }
}

export const serverCommand: Command = {
  name: 'server',
  summary: 'Run everything in one process: API, channel, jobs, diagnostics, robot',
  usage: `starling server [--port N] [--host ADDR] [--config FILE] [--no-workers]

Starts the all-in-one server. Without DATABASE_URL it stores data in embedded PGlite under
STARLING_DATA_DIR; without REDIS_URL jobs run in-process. --no-workers (JOBS_WORKERS=false)
only queues jobs, for \`starling worker\` to process; it needs REDIS_URL. SIGINT/SIGTERM shut
down cleanly.`,
  run: (argv) => runServerParts(argv, serverParts()),
};

/** `[--port N] [--host ADDR] [--config FILE] [--no-workers]`, then run these parts until SIGINT/SIGTERM. */
export async function runServerParts(argv: string[], parts: ServerPart[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, host: { type: 'string' }, config: { type: 'string' }, 'no-workers': { type: 'boolean' } },
    strict: true,
  });
  const overrides: Record<string, unknown> = {};
  if (values.port !== undefined) overrides.PORT = values.port;
  if (values.host !== undefined) overrides.HOST = values.host;
  if (values['no-workers']) overrides.JOBS_WORKERS = false;
  const server = await startServer(overrides, values.config, parts);
  await installShutdown(server.ctx.log, server.ctx.config.SHUTDOWN_TIMEOUT_MS, server.close);
  return 0;
}
