import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { StarlingError } from '../core/index.js';

/**
 * Bound request bodies and reject malformed JSON before any handler runs: oversized bodies
 * get PROXY-USR-BODY_TOO_LARGE (the read stops at the limit), JSON bodies that do not parse
 * get PROXY-USR-MALFORMED_JSON. Handlers read the already-parsed body from Hono's cache.
 */
export function bodyGuard(maxBytes: number): MiddlewareHandler[] {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new StarlingError('PROXY-USR-BODY_TOO_LARGE', { limit: maxBytes });
    },
  });
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
