import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { StarlingError } from '../core/index.js';

interface ZodIssueLike {
  path: PropertyKey[];
  message: string;
}

/** Turn zod issues into a short reason and a field list for the problem document. */
export function describeIssues(issues: readonly ZodIssueLike[]): { reason: string; errors: Array<{ path: string; message: string }> } {
  const errors = issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
  const reason = errors.map((e) => `${e.path}: ${e.message}`).slice(0, 3).join('; ') + (issues.length > 3 ? ` (+${issues.length - 3} more)` : '');
  return { reason, errors };
}

// Validation failures of any request part (json, query, params, headers) become one catalogued error.
const validationHook: Hook<unknown, Env, string, unknown> = (result) => {
  if (!result.success) {
    const { reason, errors } = describeIssues(result.error.issues);
    throw new StarlingError('PROXY-USR-VALIDATION_FAILED', { reason }, { errors });
  }
  return undefined;
};

/**
 * A router whose routes are declared with zod schemas: the same schemas validate requests
 * and produce the OpenAPI document. Components build their routes on one of these.
 */
export function createRouter<E extends Env = Env>(): OpenAPIHono<E> {
  return new OpenAPIHono<E>({ defaultHook: validationHook as unknown as Hook<unknown, E, string, unknown> });
}
