import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Count requests and time them by route pattern (never by raw path, which would explode the
 * label set), method and status.
 */
export function httpMetrics(registry: Registry): MiddlewareHandler {
  const requests = new Counter({
    name: 'starling_http_requests_total',
    help: 'HTTP requests handled, by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'starling_http_request_duration_seconds',
    help: 'HTTP request latency, by method and route.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return async (c, next) => {
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      let route = 'unmatched';
      try {
        route = routePath(c) || 'unmatched';
      } catch {
        // no route matched
      }
      if (route === '/*' || route === '*') route = 'unmatched';
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      requests.inc({ method: c.req.method, route, status: String(c.res.status) });
      duration.observe({ method: c.req.method, route }, seconds);
    }
  };
}
