import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { Context } from '../runtime/index.js';
import { createBot, type Bot, type BotOptions } from './bot.js';
import type { BotServices } from './command/services.js';
import { componentBotServices } from './component-services.js';

/** Options of {@link botServerPart}. */
export interface BotServerPartOptions {
  /** The services behind the commands; default {@link componentBotServices}. */
  services?: (ctx: Context) => BotServices;
  /** Guard of POST /v1/notify (e.g. the proxy's API-key auth); default none: the route is not mounted. */
  adminAuth?: (ctx: Context) => MiddlewareHandler;
  /** Further bot options. */
  bot?: Omit<BotOptions, 'services' | 'adminAuth'>;
}

/**
 * The robot as a part of `starling server` (the shape of cli/server-parts.ts `ServerPart`):
 * defines its jobs, mounts its routes, starts the prune schedule and Stream mode, closes them.
 * In `starling worker` only the jobs are defined, and `closeJobs` flushes the message ledger
 * the command jobs write through.
 */
export function botServerPart(options: BotServerPartOptions = {}) {
  let bot: Bot | undefined;
  const get = (ctx: Context): Bot =>
    (bot ??= createBot(ctx, {
      ...options.bot,
      services: (options.services ?? componentBotServices)(ctx),
      ...(options.adminAuth && { adminAuth: options.adminAuth(ctx) }),
    }));
  return {
    name: 'bot',
    defineJobs(ctx: Context): void {
      get(ctx);
    },
    routes(ctx: Context): OpenAPIHono[] {
      return [get(ctx).routes()];
    },
    async start(ctx: Context): Promise<{ close(): Promise<void> }> {
      const b = get(ctx);
      await b.start();
      return { close: () => b.close() };
    },
    async closeJobs(ctx: Context): Promise<void> {
      await get(ctx).close();
    },
  };
}
