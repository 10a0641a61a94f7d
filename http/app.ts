import type { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../core/index.js';
import type { Context } from '../runtime/index.js';
import { mountApiDocs } from './api-docs.js';
import { bodyGuard, type RouteBodyLimit } from './body-guard.js';
import { errorCodeRoutes } from './error-code-routes.js';
import { healthRoutes, type ReadinessCheck } from './health-routes.js';
import { httpMetrics } from './metrics.js';
import { problemErrorHandler } from './on-error.js';
import { respondWithCode } from './problem-response.js';
import { createRouter } from './router.js';

/** Options of {@link createApp}. */
export interface CreateAppOptions {
  /** Component routers mounted at the root (their paths are absolute); default none. */
  routes?: OpenAPIHono[];
  /** Extra readiness checks for /readyz; default none (database and Redis are always checked). */
  readiness?: ReadinessCheck[];
  /** Per-route body limits that replace BODY_LIMIT_BYTES for one method and path; default none. */
  bodyLimits?: RouteBodyLimit[];
  /** API version shown in the OpenAPI document; default `0.0.0`. */
  version?: string;
}

function accessLog(log: Logger): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    await next();
    log.debug(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round((performance.now() - start) * 10) / 10, requestId: c.get('requestId' as never) },
      'http request',
    );
  };
}

/**
 * The HTTP application: request ids, metrics, access log, body limits and JSON checks,
 * RFC 9457 errors, health/readiness, /metrics, the error catalogue, the OpenAPI document
 * and reference page, and the components' routes.
 */
export function createApp(ctx: Context, options: CreateAppOptions = {}): OpenAPIHono {
  const app = createRouter();
  app.use('*', requestId());
  app.use('*', httpMetrics(ctx.metrics));
  app.use('*', accessLog(ctx.log));
  app.use('*', ...bodyGuard(ctx.config.BODY_LIMIT_BYTES, options.bodyLimits));
  app.onError(problemErrorHandler(ctx.log));
  app.notFound((c) => respondWithCode(c, 'PROXY-USR-ROUTE_NOT_FOUND', { method: c.req.method, path: c.req.path }));

  app.route('/', healthRoutes(ctx, options.readiness));
  app.get('/metrics', async (c) => c.body(await ctx.metrics.metrics(), 200, { 'content-type': ctx.metrics.contentType }));
  app.route('/', errorCodeRoutes());
  for (const r of options.routes ?? []) app.route('/', r);
  mountApiDocs(app, { version: options.version ?? '0.0.0' });
  return app;
}
