import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Hook } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { StarlingError } from '../../core/index.js';
import { createRouter, describeIssues, problemResponseSpec } from '../../http/index.js';
import type { Context } from '../../runtime/index.js';
import { apiKeyAuth, type ApiKeyIdentity } from '../auth/api-key-auth.js';
import type { ProxyCore } from '../proxy-core.js';
import { cancelTask } from './cancel-task.js';
import { getTask, listRuns } from './task-views.js';
import { MAX_TARGETS, RunPageSchema, RunsQuerySchema, TaskCreatedSchema, TaskIdParams, TaskRequestSchema, TaskSchema } from './task-schemas.js';
import { submitTask } from './submit-task.js';
import { waitForTask } from './wait-for-task.js';
import { explainFailedRuns, recallDiagnoses } from './explain-runs.js';

const auth = { security: [{ bearer: [] }] };
const OPEN_STATES: ReadonlySet<string> = new Set(['RECEIVED', 'DISPATCHED', 'RUNNING']);
const common = { 401: problemResponseSpec('No valid API key'), 422: problemResponseSpec('Invalid request') };

const createTaskRoute = createRoute({
  method: 'post', path: '/v1/tasks', tags: ['tasks'], summary: 'Run a command on up to 100,000 hosts', ...auth,
  request: { body: { content: { 'application/json': { schema: TaskRequestSchema } }, required: true } },
  responses: { 201: { description: 'Task accepted (with its runs when `wait` was given)', content: { 'application/json': { schema: TaskCreatedSchema } } }, ...common },
});
const getTaskRoute = createRoute({
  method: 'get', path: '/v1/tasks/{id}', tags: ['tasks'], summary: 'A task: counts by state and timing', ...auth,
  request: { params: TaskIdParams },
  responses: { 200: { description: 'The task', content: { 'application/json': { schema: TaskSchema } } }, 404: problemResponseSpec('No such task'), ...common },
});
const listRunsRoute = createRoute({
  method: 'get', path: '/v1/tasks/{id}/runs', tags: ['tasks'], summary: "A task's runs with state history, output and errors", ...auth,
  request: { params: TaskIdParams, query: RunsQuerySchema },
  responses: { 200: { description: 'A page of runs', content: { 'application/json': { schema: RunPageSchema } } }, 404: problemResponseSpec('No such task'), ...common },
});
const cancelRoute = createRoute({
  method: 'post', path: '/v1/tasks/{id}/cancel', tags: ['tasks'], summary: 'Cancel the runs that have not finished', ...auth,
  request: { params: TaskIdParams },
  responses: { 200: { description: 'The task after canceling', content: { 'application/json': { schema: TaskSchema } } }, 404: problemResponseSpec('No such task'), ...common },
});

// Two validation failures have their own codes; every other one is PROXY-USR-VALIDATION_FAILED.
const taskHook: Hook<unknown, Env, string, unknown> = (result) => {
  if (result.success) return undefined;
  const issues = result.error.issues;
  const tooMany = issues.find((i) => i.path.length === 1 && i.path[0] === 'targets' && i.code === 'too_big');
  if (tooMany) throw new StarlingError('PROXY-USR-TOO_MANY_TARGETS', { count: (result as { data?: { targets?: unknown[] } }).data?.targets?.length ?? 'more', limit: MAX_TARGETS });
  const empty = issues.find((i) => (i.path[0] === 'command' || i.path[0] === 'argv') && i.code === 'too_small');
  if (empty) throw new StarlingError('PROXY-USR-EMPTY_COMMAND', { reason: `${empty.path.join('.')}: ${empty.message}` });
  const { reason, errors } = describeIssues(issues);
  throw new StarlingError('PROXY-USR-VALIDATION_FAILED', { reason }, { errors });
};

/** The tasks API: create (optionally waiting for results), read, list runs, cancel. Needs an API key. */
export function taskRoutes(ctx: Context, core: ProxyCore): OpenAPIHono {
  const app = createRouter();
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.use('/v1/tasks', apiKeyAuth(ctx));
  app.use('/v1/tasks/*', apiKeyAuth(ctx));

  app.openapi(
    createTaskRoute,
    async (c) => {
      const input = c.req.valid('json');
      const command = input.command;
      if (command !== undefined && command.trim() === '') throw new StarlingError('PROXY-USR-EMPTY_COMMAND', { reason: 'command is blank' });
      if ((command === undefined) === (input.argv === undefined)) {
        throw new StarlingError('PROXY-USR-EMPTY_COMMAND', { reason: 'give exactly one of command and argv' });
      }
      if (input.argv !== undefined && (input.argv.length === 0 || input.argv[0]!.trim() === '')) {
        throw new StarlingError('PROXY-USR-EMPTY_COMMAND', { reason: 'argv is empty' });
      }
      if (input.wait > ctx.config.PROXY_MAX_WAIT_S) {
        throw new StarlingError('PROXY-USR-VALIDATION_FAILED', { reason: `wait: at most ${ctx.config.PROXY_MAX_WAIT_S} seconds` });
      }
      const started = Date.now();
      const key = c.get('apiKey' as never) as ApiKeyIdentity | undefined;
      const taskId = await core.submit(input, key?.id ?? null);
      if (input.wait > 0) {
        // The task and its first page of runs are read in parallel. For a small task that is
        // also the completion check, so the wake-up after the last commit goes straight to the
        // answer; a large one is checked with one cheap query per wake-up and read at the end.
        const read = () => Promise.all([getTask(ctx.db, taskId), listRuns(ctx.db, taskId, { limit: 1000 })]);
        // Two statements, two snapshots: done only when the runs read agree (a commit by another proxy may fall between).
        const done = (v: Awaited<ReturnType<typeof read>>) => v[0].done && v[1].runs.every((r) => !OPEN_STATES.has(r.state));
        let view: Awaited<ReturnType<typeof read>> | undefined;
        const small = input.targets.length <= ctx.config.PROXY_INTERACTIVE_MAX_TARGETS;
        const until = started + input.wait * 1000;
        await waitForTask(ctx.db, core.notifier, taskId, { until, ...(small && { check: async () => done((view = await read())) }) });
        if (!view || !done(view)) view = await read();
        const [task, first] = view;
        const runs = [...first.runs];
        let after = first.next ?? undefined;
        while (after && runs.length < 10_000) {
          const page = await listRuns(ctx.db, taskId, { limit: 1000, after });
          runs.push(...page.runs);
          after = page.next ?? undefined;
        }
        if (core.diagnostics) await explainFailedRuns(runs, core.diagnostics.explain, ctx.config.PROXY_WAIT_EXPLAIN_MAX);
        return c.json({ ...task, runs }, 201);
      }
      return c.json(await getTask(ctx.db, taskId), 201);
    },
    taskHook as never,
  );
  app.openapi(getTaskRoute, async (c) => c.json(await getTask(ctx.db, c.req.valid('param').id), 200));
  app.openapi(listRunsRoute, async (c) => {
    const { id } = c.req.valid('param');
    const q = c.req.valid('query');
    await getTask(ctx.db, id);
    const page = await listRuns(ctx.db, id, q);
    if (core.diagnostics) await recallDiagnoses(page.runs, core.diagnostics);
    return c.json(page, 200);
  });
  app.openapi(cancelRoute, async (c) => {
    const task = await cancelTask(ctx, c.req.valid('param').id);
    core.notifier.notify([task.id]);
    return c.json(task, 200);
  });
  return app;
}
