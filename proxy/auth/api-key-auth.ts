import type { MiddlewareHandler } from 'hono';
import { sql } from 'drizzle-orm';
import { StarlingError } from '../../core/index.js';
import { rows } from '../../db/index.js';
import type { Context } from '../../runtime/index.js';
import { hashSecret, safeEqual } from './secrets.js';

/** Options of {@link apiKeyAuth}. */
export interface ApiKeyAuthOptions {
  /** How long a verified key is trusted without asking the database again, ms; default 5,000. */
  cacheMs?: number;
  /** Most keys cached; default 1,000. */
  maxCached?: number;
}

/** What the middleware stores on the request: `c.get('apiKey')`. */
export interface ApiKeyIdentity {
  id: number;
  name: string;
}

const BEARER = /^Bearer\s+(\S{1,512})$/i;

/**
 * `Authorization: Bearer <key>` authentication. The key is hashed and looked up by its hash
 * (unique index); the stored hash is then compared in constant time. Disabled or expired keys
 * are refused. Verified keys are cached briefly, so an API request costs no query on the hot
 * path; a disabled key stops working within `cacheMs`. Failures are PROXY-USR-UNAUTHORIZED (401).
 */
export function apiKeyAuth(ctx: Context, options: ApiKeyAuthOptions = {}): MiddlewareHandler {
  const cacheMs = options.cacheMs ?? 5000;
  const maxCached = options.maxCached ?? 1000;
  const cache = new Map<string, { identity: ApiKeyIdentity; until: number }>();
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) throw new StarlingError('PROXY-USR-UNAUTHORIZED', { reason: 'no Authorization header' });
    const m = BEARER.exec(header);
    if (!m) throw new StarlingError('PROXY-USR-UNAUTHORIZED', { reason: 'the Authorization header is not "Bearer <key>"' });
    const hash = hashSecret(m[1]!);
    const now = ctx.clock.now();
    let hit = cache.get(hash);
    if (!hit || hit.until < now) {
      cache.delete(hash);
      const [row] = await rows<{ id: number; name: string; key_hash: string; expires_at: Date | string | null; disabled_at: Date | string | null }>(
        ctx.db,
        sql`select id, name, key_hash, expires_at, disabled_at from api_keys where key_hash = ${hash} limit 1`,
      );
      if (!row || !safeEqual(row.key_hash, hash)) throw new StarlingError('PROXY-USR-UNAUTHORIZED', { reason: 'unknown API key' });
      if (row.disabled_at) throw new StarlingError('PROXY-USR-UNAUTHORIZED', { reason: 'the API key is disabled' });
      if (row.expires_at && new Date(row.expires_at).getTime() <= now) throw new StarlingError('PROXY-USR-UNAUTHORIZED', { reason: 'the API key has expired' });
      hit = { identity: { id: Number(row.id), name: row.name }, until: now + cacheMs };
      if (cache.size >= maxCached) cache.delete(cache.keys().next().value!);
      cache.set(hash, hit);
    }
    c.set('apiKey' as never, hit.identity as never);
    await next();
  };
}
