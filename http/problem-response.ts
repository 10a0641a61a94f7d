import type { Context as HonoContext } from 'hono';
import { PROBLEM_CONTENT_TYPE, problemFromCode, type ErrorCode, type ErrorParams, type ProblemDocument, type ProblemExtras } from '../core/index.js';

/** Send an RFC 9457 problem document with its status and media type. */
export function problemResponse(c: HonoContext, doc: ProblemDocument): Response {
  return c.body(JSON.stringify(doc), doc.status as 400, { 'content-type': PROBLEM_CONTENT_TYPE });
}

/** The `instance` of a problem: this request's occurrence, by request id. */
export function problemInstance(c: HonoContext): string | undefined {
  const id = c.get('requestId' as never) as string | undefined;
  return id ? `urn:starling:request:${id}` : undefined;
}

/** Answer with the problem document of a catalogued code. */
export function respondWithCode(c: HonoContext, code: ErrorCode, params: ErrorParams = {}, extras: ProblemExtras = {}): Response {
  return problemResponse(c, problemFromCode(code, params, extras, problemInstance(c)));
}
