import { parseArgs } from 'node:util';
import { loadConfig, redactConfig } from '../../core/index.js';
import { createApp, startHttpServer } from '../../http/index.js';
import { createContext } from '../../runtime/index.js';
import type { Command } from '../command.js';
import { serverParts, type ServerPart } from '../server-parts.js';
import { installShutdown } from '../shutdown.js';
import { VERSION } from '../version.js';

/** Start the all-in-one server and return its handles (used by the command and by tests). */
export async function startServer(overrides: Record<string, unknown> = {}, file?: string, parts: ServerPart[] = serverParts()) {
  const config = loadConfig({ overrides, file });
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
    for (const p of parts) {
      if (p.start) closers.push({ name: p.name, ...(await p.start(ctx, http)) });
    }
    await ctx.jobs.start();
    ctx.log.info(
      {
        url: http.url,
        version: VERSION,
        database: { kind: ctx.database.kind, location: ctx.database.location },
        jobs: ctx.jobs.kind,
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
        const ordered = [httpCloser!, { name: 'jobs', close: () => ctx.jobs.close() }, ...partClosers.reverse()];
        for (const c of ordered) {
          try {
            await c.close();
          } catch (err) {
            ctx.log.warn({ part: c.name, err: (err as Error).message }, 'error while closing');
          }
        }
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
  usage: `starling server [--port N] [--host ADDR] [--config FILE]

Starts the all-in-one server. Without DATABASE_URL it stores data in embedded PGlite under
STARLING_DATA_DIR; without REDIS_URL jobs run in-process. SIGINT/SIGTERM shut down cleanly.`,
  run: (argv) => runServerParts(argv, serverParts()),
};

/** `[--port N] [--host ADDR] [--config FILE]`, then run these parts until SIGINT/SIGTERM. */
export async function runServerParts(argv: string[], parts: ServerPart[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, host: { type: 'string' }, config: { type: 'string' } },
    strict: true,
  });
  const overrides: Record<string, unknown> = {};
  if (values.port !== undefined) overrides.PORT = values.port;
  if (values.host !== undefined) overrides.HOST = values.host;
  const server = await startServer(overrides, values.config, parts);
  await installShutdown(server.ctx.log, server.ctx.config.SHUTDOWN_TIMEOUT_MS, server.close);
  return 0;
}
