import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ReadinessCheck, RunningHttpServer } from '../http/index.js';
import type { Context } from '../runtime/index.js';

/** What a component contributes to the all-in-one `starling server`. */
export interface ServerPart {
  name: string;
  /** Routers mounted on the HTTP app. */
  routes?(ctx: Context): OpenAPIHono[];
  /** Define job queues (before jobs start). */
  defineJobs?(ctx: Context): void;
  /** Extra readiness checks. */
  readiness?(ctx: Context): ReadinessCheck[];
  /** Start background work once HTTP listens; the returned close runs at shutdown (in reverse order). */
  start?(ctx: Context, http: RunningHttpServer): Promise<{ close(): Promise<void> }>;
}

/**
 * The components that run inside `starling server`, in start order. Each component adds
 * itself here once it has something real to run.
 */
export function serverParts(): ServerPart[] {
  return [];
}
