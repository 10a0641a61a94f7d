import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { StarlingError } from '../core/index.js';
import { createRouter, problemResponseSpec } from '../http/index.js';
import type { Context } from '../runtime/index.js';
import { findFindings } from './find-findings.js';
import { importCmdb } from './import-cmdb.js';
import { getReconcileRun, latestSucceededRunId, listReconcileRuns, type ReconcileRun } from './reconcile-runs.js';
import { requestReconcile } from './reconcile-job.js';

const RowErrorSchema = z.object({
  row: z.number().int(),
  line: z.number().int().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })),
});

const ImportResultSchema = z
  .object({
    source: z.string(), total: z.number().int(), inserted: z.number().int(), updated: z.number().int(),
    unchanged: z.number().int(), rejected: z.array(RowErrorSchema),
  })
  .openapi('CmdbImportResult');

const RunSchema = z
  .object({
    id: z.number().int(), status: z.string(), trigger: z.string(), requestedBy: z.string().nullable(),
    previousRunId: z.number().int().nullable(), counts: z.record(z.string(), z.number()), diff: z.record(z.string(), z.number()),
    fixes: z.record(z.string(), z.number()), options: z.record(z.string(), z.unknown()), error: z.string().nullable(),
    createdAt: z.string(), startedAt: z.string().nullable(), finishedAt: z.string().nullable(),
  })
  .openapi('CmdbReconcileRun');

const FindingSchema = z
  .object({
    id: z.number().int(), runId: z.number().int(), kind: z.string(), state: z.string(), side: z.string(), key: z.string(),
    host: z.object({ id: z.number().nullable(), sn: z.string().nullable(), ip: z.string().nullable() }),
    cmdb: z.object({ id: z.number().nullable(), sn: z.string().nullable(), ip: z.string().nullable() }),
    hostname: z.string().nullable(),
    owner: z.object({ id: z.number(), name: z.string(), dingtalkUserId: z.string().nullable() }).nullable(),
    detail: z.record(z.string(), z.unknown()),
    fixedAt: z.string().nullable(),
  })
  .openapi('CmdbFinding');

const FindingQuery = z.object({
  kind: z.enum(['IP_MISMATCH', 'SN_MISMATCH', 'MISSING_IN_CMDB', 'NO_AGENT', 'DUPLICATE_SN', 'DUPLICATE_IP', 'INVALID_SN']).optional(),
  state: z.enum(['new', 'open', 'resolved']).optional(),
  side: z.enum(['host', 'cmdb', 'both']).optional(),
  owner: z.string().max(200).optional(),
  sn: z.string().max(128).optional(),
  ip: z.string().max(64).optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const FindingPage = z.object({ items: z.array(FindingSchema), nextAfter: z.number().int().nullable() }).openapi('CmdbFindingPage');

const putHosts = createRoute({
  method: 'put',
  path: '/v1/cmdb/hosts',
  tags: ['cmdb'],
  summary: 'Batch upsert CMDB hosts',
  description: 'Rows are validated one by one; bad rows are listed with their row number (1-based) and reasons. Valid rows import unless `strict` is true, in which case nothing imports when any row is bad. Rows upsert by (source, external_id); without external_id the identity is sn, else hostname, else ip.',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            source: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,39}$/).default('api'),
            strict: z.boolean().default(false),
            mapping: z.record(z.enum(['external_id', 'sn', 'ip', 'hostname', 'idc', 'owner', 'app']), z.string().min(1).max(200)).optional(),
            hosts: z.array(z.unknown()).min(1),
          }),
        },
      },
    },
  },
  responses: {
    200: { description: 'Import result (rejected rows listed)', content: { 'application/json': { schema: ImportResultSchema } } },
    413: problemResponseSpec('Too many rows'),
    422: problemResponseSpec('Invalid request, or bad rows in strict mode'),
  },
});

const postReconcile = createRoute({
  method: 'post',
  path: '/v1/cmdb/reconcile',
  tags: ['cmdb'],
  summary: 'Start a reconciliation run',
  responses: {
    202: { description: 'Run queued', content: { 'application/json': { schema: z.object({ runId: z.number().int(), status: z.string(), url: z.string() }) } } },
  },
});

const listRuns = createRoute({
  method: 'get',
  path: '/v1/cmdb/reconcile/runs',
  tags: ['cmdb'],
  summary: 'List reconciliation runs, newest first',
  request: { query: z.object({ status: z.enum(['queued', 'running', 'succeeded', 'failed']).optional(), limit: z.coerce.number().int().min(1).max(200).default(20) }) },
  responses: { 200: { description: 'Runs', content: { 'application/json': { schema: z.object({ items: z.array(RunSchema) }) } } } },
});

const getRun = createRoute({
  method: 'get',
  path: '/v1/cmdb/reconcile/runs/{id}',
  tags: ['cmdb'],
  summary: 'One reconciliation run: status, counts per kind (MATCH included), diff against the previous run',
  request: { params: z.object({ id: z.coerce.number().int().positive() }) },
  responses: { 200: { description: 'The run', content: { 'application/json': { schema: RunSchema } } }, 404: problemResponseSpec('No such run') },
});

const runFindings = createRoute({
  method: 'get',
  path: '/v1/cmdb/reconcile/runs/{id}/findings',
  tags: ['cmdb'],
  summary: "A run's findings, filtered and paged",
  request: { params: z.object({ id: z.coerce.number().int().positive() }), query: FindingQuery },
  responses: { 200: { description: 'Findings', content: { 'application/json': { schema: FindingPage } } }, 404: problemResponseSpec('No such run') },
});

const latestFindings = createRoute({
  method: 'get',
  path: '/v1/cmdb/findings',
  tags: ['cmdb'],
  summary: 'Findings of the latest successful run, filtered and paged',
  request: { query: FindingQuery },
  responses: { 200: { description: 'Findings', content: { 'application/json': { schema: FindingPage } } } },
});

function present(run: ReconcileRun) {
  return {
    id: run.id, status: run.status, trigger: run.trigger, requestedBy: run.requestedBy, previousRunId: run.previousRunId,
    counts: run.counts, diff: run.diff, fixes: run.fixes, options: run.options, error: run.error,
    createdAt: run.createdAt.toISOString(), startedAt: run.startedAt?.toISOString() ?? null, finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}

/**
 * CMDB routes: `PUT /v1/cmdb/hosts` (batch upsert), `POST /v1/cmdb/reconcile` (queue a run),
 * `GET /v1/cmdb/reconcile/runs[/:id[/findings]]` and `GET /v1/cmdb/findings` (latest run).
 * Handlers are thin: parse, call the verb, shape the answer.
 */
export function cmdbRoutes(ctx: Context): OpenAPIHono {
  const app = createRouter();
  app.openapi(putHosts, async (c) => {
    const body = c.req.valid('json');
    const max = ctx.config.CMDB_API_MAX_ROWS;
    if (body.hosts.length > max) throw new StarlingError('CMDB-USR-IMPORT_TOO_LARGE', { rows: body.hosts.length, limit: max });
    const malformed: { row: number; errors: { field: string; message: string }[] }[] = [];
    const records = [];
    for (const [i, item] of body.hosts.entries()) {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) malformed.push({ row: i + 1, errors: [{ field: '(row)', message: 'is not an object' }] });
      else records.push({ row: i + 1, values: item as Record<string, unknown> });
    }
    const result = await importCmdb(ctx, records, { source: body.source, strict: body.strict, mapping: body.mapping, malformed, actor: 'api', maxRows: max });
    return c.json({ ...result, rejected: result.rejected.map((r) => ({ ...r, errors: [...r.errors] })) }, 200);
  });
  app.openapi(postReconcile, async (c) => {
    const runId = await requestReconcile(ctx, 'api', 'api');
    return c.json({ runId, status: 'queued', url: `/v1/cmdb/reconcile/runs/${runId}` }, 202);
  });
  app.openapi(listRuns, async (c) => {
    const q = c.req.valid('query');
    const runs = await listReconcileRuns(ctx, { limit: q.limit, ...(q.status && { status: q.status }) });
    return c.json({ items: runs.map(present) }, 200);
  });
  app.openapi(getRun, async (c) => c.json(present(await getReconcileRun(ctx, c.req.valid('param').id)), 200));
  app.openapi(runFindings, async (c) => {
    const { id } = c.req.valid('param');
    await getReconcileRun(ctx, id);
    return c.json(await findFindings(ctx, id, c.req.valid('query')), 200);
  });
  app.openapi(latestFindings, async (c) => {
    const runId = await latestSucceededRunId(ctx);
    if (runId === null) return c.json({ items: [], nextAfter: null }, 200);
    return c.json(await findFindings(ctx, runId, c.req.valid('query')), 200);
  });
  return app;
}
