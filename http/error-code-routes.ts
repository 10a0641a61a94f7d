import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { listErrorCodes, lookupErrorCode, StarlingError, type CatalogEntry } from '../core/index.js';
import { createRouter } from './router.js';
import { ErrorCodeSchema, problemResponseSpec } from './schemas.js';

function present(e: CatalogEntry) {
  return {
    code: e.code, layer: e.layer, category: e.category, name: e.name, status: e.status,
    retryable: e.retryable, title: e.title, message: e.message, remedy: e.remedy, actor: e.actor,
  };
}

const listRoute = createRoute({
  method: 'get',
  path: '/v1/error-codes',
  tags: ['errors'],
  summary: 'List the error catalogue',
  request: { query: z.object({ layer: z.string().optional(), category: z.string().optional() }) },
  responses: { 200: { description: 'Every catalogued code', content: { 'application/json': { schema: z.object({ items: z.array(ErrorCodeSchema) }) } } } },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/error-codes/{code}',
  tags: ['errors'],
  summary: 'Explain one error code',
  request: { params: z.object({ code: z.string().max(100) }) },
  responses: {
    200: { description: 'The catalogue entry', content: { 'application/json': { schema: ErrorCodeSchema } } },
    404: problemResponseSpec('Not a catalogued code'),
  },
});

/** `GET /v1/error-codes` and `GET /v1/error-codes/:code`, served from the catalogue itself. */
export function errorCodeRoutes(): OpenAPIHono {
  const app = createRouter();
  app.openapi(listRoute, (c) => {
    const { layer, category } = c.req.valid('query');
    const items = listErrorCodes()
      .filter((e) => (!layer || e.layer === layer) && (!category || e.category === category))
      .map(present);
    return c.json({ items }, 200);
  });
  app.openapi(getRoute, (c) => {
    const { code } = c.req.valid('param');
    const e = lookupErrorCode(code);
    if (!e) throw new StarlingError('PROXY-USR-ERROR_CODE_NOT_FOUND', { code });
    return c.json(present(e), 200);
  });
  return app;
}
