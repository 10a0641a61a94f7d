import type { OpenAPIHono } from '@hono/zod-openapi';
import { isStarlingError, problemFromCode } from '../core/index.js';
import { pingRedis, type Context } from '../runtime/index.js';
import { problemInstance, problemResponse } from './problem-response.js';
import { createRouter } from './router.js';

/** A named readiness check; throws (ideally a StarlingError) when not ready. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<Record<string, unknown> | void>;
}

async function timed(name: string, timeoutMs: number, fn: () => Promise<Record<string, unknown> | void>) {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const extra = await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name} did not answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name, ok: true as const, ms: Math.round(performance.now() - start), ...(extra ?? {}) };
  } catch (err) {
    return { name, ok: false as const, ms: Math.round(performance.now() - start), error: err as Error };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz` answers while the process runs; `/readyz` checks the database, Redis when
 * configured, and any component checks, answering 503 with the failing dependency named.
 */
export function healthRoutes(ctx: Context, extra: ReadinessCheck[] = []): OpenAPIHono {
  const app = createRouter();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const checks: ReadinessCheck[] = [
      { name: 'database', check: async () => (await ctx.database.ping(), { kind: ctx.database.kind, location: ctx.database.location }) },
      ...(ctx.redis ? [{ name: 'redis', check: async () => pingRedis(ctx.redis!) }] : []),
      ...extra,
    ];
    const results = await Promise.all(checks.map((ch) => timed(ch.name, 2000, ch.check)));
    const summary: Record<string, Record<string, unknown>> = Object.fromEntries(
      results.map((r) => {
        if (!r.ok) return [r.name, { ok: false, ms: r.ms, error: r.error.message }];
        const { name: _n, ...rest } = r;
        return [r.name, rest];
      }),
    );
    if (!ctx.redis) summary.redis = { ok: true, mode: 'not configured: jobs and transport in-process' };
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) {
      const err = failed.error;
      const code = isStarlingError(err)
        ? err.code
        : failed.name === 'redis'
          ? 'PROXY-DEP-REDIS_UNAVAILABLE'
          : 'PROXY-DEP-DATABASE_UNAVAILABLE';
      const reason = isStarlingError(err) ? String(err.params.reason ?? err.message) : `${failed.name}: ${err.message}`;
      return problemResponse(c, problemFromCode(code, { reason }, { checks: summary, failing: failed.name }, problemInstance(c)));
    }
    return c.json({ status: 'ready', checks: summary });
  });
  return app;
}

