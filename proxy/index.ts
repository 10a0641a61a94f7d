/**
 * The proxy: the tasks API and the ConfigService (agent registration), API-key
 * authentication, run signing, and the run lifecycle (results consumer, sweeper, lanes).
 * See proxy/README.md for its rules.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createBatchingAuthenticator, type AgentAuthenticator } from '../channel/index.js';
import { verifyAgentCredentials } from './register/register-agents.js';
import type { RouteBodyLimit } from '../http/index.js';
import type { Context } from '../runtime/index.js';
import type { ProxyCore } from './proxy-core.js';
import { registerRoutes } from './register/register-routes.js';
import { taskRoutes } from './tasks/task-routes.js';

export { createProxy, type ProxyCore, type ProxyOptions } from './proxy-core.js';
export { createApiKey, type CreatedApiKey } from './auth/create-api-key.js';
export { apiKeyAuth, type ApiKeyAuthOptions, type ApiKeyIdentity } from './auth/api-key-auth.js';
export { loadSigningKey, type ProxySigningKeys } from './auth/load-signing-key.js';
export { registerAgents, verifyAgentCredentials } from './register/register-agents.js';
export { sweepRuns, type SweepReport } from './lifecycle/run-sweeper.js';
export { pruneTasks, taskPruneJob, TASK_PRUNE_JOB, type PruneTasksOptions } from './lifecycle/prune-tasks.js';
export { MAX_TARGETS, type TaskRequest, type TaskView, type RunView } from './tasks/task-schemas.js';
export { getTask, listRuns, type ListRunsOptions } from './tasks/task-views.js';
export { explainFailedRuns, recallDiagnoses, type FailedRun, type RunDiagnostics, type RunExplainer } from './tasks/explain-runs.js';
export { findHost, type HostCard } from './register/find-host.js';

/** Largest `POST /v1/tasks` body: room for 100,000 targets of up to ~100 characters. */
export const TASK_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

/** The proxy's HTTP routes: tasks and agent registration. */
export function proxyRoutes(ctx: Context, core: ProxyCore): OpenAPIHono[] {
  return [taskRoutes(ctx, core), registerRoutes(ctx, core)];
}

/** Body limits the proxy's routes need beyond BODY_LIMIT_BYTES. */
export function proxyBodyLimits(): RouteBodyLimit[] {
  return [{ method: 'POST', path: '/v1/tasks', maxBytes: TASK_BODY_LIMIT_BYTES }];
}

/**
 * The agent credential check for channels (the channel's `AgentAuthenticator` seam): one
 * set-based query per batch of concurrent hellos.
 */
export function createAgentAuthenticator(ctx: Context): AgentAuthenticator {
  return createBatchingAuthenticator({ verifyMany: (creds) => verifyAgentCredentials(ctx.db, creds) });
}
