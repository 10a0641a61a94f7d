import type { Context as HonoContext, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { isStarlingError, problemFromError, type Logger } from '../core/index.js';
import { problemInstance, problemResponse, respondWithCode } from './problem-response.js';

/**
 * The one place where errors become responses: a StarlingError becomes its catalogued
 * problem document; Hono's own exceptions are mapped to catalogued codes; anything else
 * becomes PROXY-UNK-UNEXPECTED, logged with its stack but never leaking it to the caller.
 */
export function problemErrorHandler(log: Logger): ErrorHandler {
  return (err: Error, c: HonoContext) => {
    if (isStarlingError(err)) {
      if (err.status >= 500) log.warn({ code: err.code, err: err.message, path: c.req.path }, 'request failed');
      return problemResponse(c, problemFromError(err, problemInstance(c)));
    }
    if (err instanceof HTTPException) {
      if (err.status === 413) return respondWithCode(c, 'PROXY-USR-BODY_TOO_LARGE', { limit: 'the configured' });
      if (err.status === 400 && /json/i.test(err.message)) {
        return respondWithCode(c, 'PROXY-USR-MALFORMED_JSON', { reason: err.message });
      }
      if (err.status >= 400 && err.status < 500) return respondWithCode(c, 'PROXY-USR-VALIDATION_FAILED', { reason: err.message });
    }
    const requestId = (c.get('requestId' as never) as string | undefined) ?? 'unknown';
    log.error({ err, requestId, path: c.req.path, method: c.req.method }, 'unexpected error');
    return respondWithCode(c, 'PROXY-UNK-UNEXPECTED', { requestId });
  };
}
