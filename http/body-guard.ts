import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { StarlingError } from '../core/index.js';

/** A larger (or smaller) body limit for one route, e.g. task submissions with 100,000 targets. */
export interface RouteBodyLimit {
  method: string;
  /** Exact request path. */
  path: string;
  maxBytes: number;
}

/**
 * Bound request bodies and reject malformed JSON before any handler runs: oversized bodies
 * get PROXY-USR-BODY_TOO_LARGE (the read stops at the limit), JSON bodies that do not parse
 * get PROXY-USR-MALFORMED_JSON. Handlers read the already-parsed body from Hono's cache.
 */
export function bodyGuard(maxBytes: number, routeLimits: readonly RouteBodyLimit[] = []): MiddlewareHandler[] {
  const limiter = (max: number) =>
    bodyLimit({
      maxSize: max,
      onError: () => {
        throw new StarlingError('PROXY-USR-BODY_TOO_LARGE', { limit: max });
      },
    });
  const fallback = limiter(maxBytes);
  const special = routeLimits.map((r) => ({ method: r.method.toUpperCase(), path: r.path, handler: limiter(r.maxBytes) }));
  const limit: MiddlewareHandler = (c, next) => {
    const own = special.find((r) => r.method === c.req.method && r.path === c.req.path);
    return (own?.handler ?? fallback)(c, next);
  };
  const json: MiddlewareHandler = async (c, next) => {
    const type = c.req.header('content-type') ?? '';
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && /\bjson\b/i.test(type)) {
      const text = await c.req.text();
      if (text.length > 0) {
        try {
          JSON.parse(text);
        } catch (err) {
          throw new StarlingError('PROXY-USR-MALFORMED_JSON', { reason: (err as Error).message });
        }
      }
    }
    await next();
  };
  return [limit, json];
}
