import type { OpenAPIHono } from '@hono/zod-openapi';
import type { RouteBodyLimit } from '../http/index.js';
import type { Context } from '../runtime/index.js';
import { cmdbRoutes } from './cmdb-routes.js';
import { reconcileJob, scheduleReconcile } from './reconcile-job.js';

/** Body limit of `PUT /v1/cmdb/hosts`: about 1 KiB per allowed row. */
export function cmdbBodyLimits(ctx: Context): RouteBodyLimit[] {
  return [{ method: 'PUT', path: '/v1/cmdb/hosts', maxBytes: Math.max(ctx.config.BODY_LIMIT_BYTES, ctx.config.CMDB_API_MAX_ROWS * 1024) }];
}

/**
 * What cmdb-sync contributes to `starling server` (the shape of the CLI's ServerPart):
 * its routes and body limit, the reconciliation queue, and the repeating schedule.
 */
export const cmdbServerPart = {
  name: 'cmdb',
  routes: (ctx: Context): OpenAPIHono[] => [cmdbRoutes(ctx)],
  bodyLimits: (ctx: Context): RouteBodyLimit[] => cmdbBodyLimits(ctx),
  defineJobs: (ctx: Context): void => ctx.jobs.define(reconcileJob(ctx)),
  async start(ctx: Context): Promise<{ close(): Promise<void> }> {
    if (await scheduleReconcile(ctx)) ctx.log.info({ everyMs: ctx.config.CMDB_RECONCILE_EVERY_MS }, 'cmdb reconciliation scheduled');
    return { close: async () => {} };
  },
};
