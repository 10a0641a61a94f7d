import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { StarlingError } from '../core/index.js';
import { createRouter, problemResponseSpec } from '../http/index.js';
import type { Context } from '../runtime/index.js';
import { diagnosticsEngine } from './diagnose-host.js';
import { findDiagnosis, hostExists } from './store/diagnosis-store.js';

const DiagnosisSchema = z
  .object({
    id: z.string(),
    target: z.string(),
    host: z.object({ id: z.number(), ip: z.string().nullable(), sn: z.string().nullable(), hostname: z.string().nullable() }).nullable(),
    runId: z.string().nullable(),
    runCode: z.string().nullable(),
    verdict: z.object({
      outcome: z.enum(['fault', 'healthy', 'inconclusive']),
      code: z.string().nullable(),
      category: z.string().nullable(),
      rule: z.string(),
      cause: z.object({ en: z.string(), zh: z.string() }),
      action: z.object({ en: z.string(), zh: z.string() }),
      evidence: z.array(z.record(z.string(), z.unknown())),
      owner: z.unknown(),
      ownerText: z.string(),
      inconclusive: z.array(z.string()),
      runCode: z.string().nullable(),
    }),
    startedAt: z.string(),
    durationMs: z.number(),
    createdAt: z.string().optional(),
    link: z.string(),
  })
  .openapi('Diagnosis');

// The diagnosis is plain JSON data; evidence records are open-ended, so the static types differ.
const asJson = (d: unknown) => d as z.infer<typeof DiagnosisSchema>;

const PendingSchema = z.object({ id: z.string(), status: z.literal('pending'), link: z.string() }).openapi('DiagnosisPending');

// Targets are IPs, SNs or hostnames: printable, no spaces, bounded.
const TargetSchema = z.string().trim().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'must be an IP, SN or hostname without spaces');

const postRoute = createRoute({
  method: 'post',
  path: '/v1/diagnoses',
  tags: ['diagnostics'],
  summary: 'Diagnose a host now (ping, SSH, agent, disk, load, syslog, CMDB)',
  request: { body: { required: true, content: { 'application/json': { schema: z.object({ target: TargetSchema, force: z.boolean().optional() }).strict() } } } },
  responses: {
    201: { description: 'The diagnosis', content: { 'application/json': { schema: DiagnosisSchema } } },
    422: problemResponseSpec('The body is not valid'),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/diagnoses/{id}',
  tags: ['diagnostics'],
  summary: 'Read one diagnosis',
  request: { params: z.object({ id: z.uuid() }) },
  responses: {
    200: { description: 'The diagnosis', content: { 'application/json': { schema: DiagnosisSchema } } },
    202: { description: 'Still running', content: { 'application/json': { schema: PendingSchema } } },
    404: problemResponseSpec('No such diagnosis'),
  },
});

const hostRoute = createRoute({
  method: 'get',
  path: '/v1/hosts/{id}/diagnosis',
  tags: ['diagnostics'],
  summary: 'Diagnose a known host (cached for a short TTL)',
  request: { params: z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) }), query: z.object({ fresh: z.enum(['true', 'false']).optional() }) },
  responses: {
    200: { description: 'The host\'s current diagnosis', content: { 'application/json': { schema: DiagnosisSchema } } },
    404: problemResponseSpec('No such host'),
  },
});

/**
 * `POST /v1/diagnoses`, `GET /v1/diagnoses/:id`, `GET /v1/hosts/:id/diagnosis`. Thin:
 * parse, call the engine, answer. A target unknown to Starling is still probed, and its
 * verdict says it has no owner on record.
 */
export function diagnosticsRoutes(ctx: Context): OpenAPIHono {
  const app = createRouter();
  app.openapi(postRoute, async (c) => {
    const { target, force } = c.req.valid('json');
    const d = await diagnosticsEngine(ctx).diagnose({ target }, { force: force ?? false });
    return c.json(asJson(d), 201);
  });
  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid('param');
    const engine = diagnosticsEngine(ctx);
    if (engine.inFlight(id)) return c.json({ id, status: 'pending' as const, link: `/v1/diagnoses/${id}` }, 202);
    const d = (await findDiagnosis(ctx.db, id)) ?? (await engine.known(id)?.catch(() => null)) ?? null;
    if (!d) throw new StarlingError('DIAG-USR-DIAGNOSIS_NOT_FOUND', { id });
    return c.json(asJson(d), 200);
  });
  app.openapi(hostRoute, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await hostExists(ctx.db, id))) throw new StarlingError('DIAG-USR-HOST_NOT_FOUND', { id });
    const d = await diagnosticsEngine(ctx).diagnose({ hostId: id }, { force: c.req.valid('query').fresh === 'true' });
    return c.json(asJson(d), 200);
  });
  return app;
}
