import { createRoute, z } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, listErrorCodes, loadConfig, StarlingError, type ErrorCode } from '../core/index.js';
import { createApp, createRouter, ProblemSchema } from '../http/index.js';
import { createContext, type Context } from '../runtime/index.js';
import { openMemoryPglite } from './helpers/db.js';

// Response bodies in these tests are JSON of known shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (r: Response): Promise<any> => r.json();

let ctx: Context & { close(): Promise<void> };
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  const config = loadConfig({ env: { BODY_LIMIT_BYTES: '2048' } });
  ctx = await createContext(config, { log: createLogger({ level: 'silent' }), database: await openMemoryPglite() });
  const r = createRouter();
  r.get('/test/throw/:code', (c) => {
    throw new StarlingError(c.req.param('code') as ErrorCode, { reason: 'test' });
  });
  r.get('/test/crash', () => {
    throw new TypeError('secret internals at /srv/app.js:12');
  });
  r.openapi(
    createRoute({
      method: 'post',
      path: '/test/echo',
      request: { body: { content: { 'application/json': { schema: z.object({ name: z.string().min(1), count: z.number().int() }) } } } },
      responses: { 200: { description: 'echo', content: { 'application/json': { schema: z.object({ name: z.string() }) } } } },
    }),
    (c) => c.json({ name: c.req.valid('json').name }, 200),
  );
  app = createApp(ctx, { routes: [r], version: '9.9.9' });
});
afterAll(async () => ctx?.close());

const post = (path: string, body: string) => app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('onError', () => {
  it('turns every catalogued code into a valid problem document', async () => {
    for (const e of listErrorCodes()) {
      const res = await app.request(`/test/throw/${e.code}`);
      expect(res.status, e.code).toBe(e.status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const body = await json(res);
      expect(ProblemSchema.safeParse(body).success, e.code).toBe(true);
      expect(body).toMatchObject({ code: e.code, layer: e.layer, category: e.category, retryable: e.retryable, remedy: e.remedy, title: e.title });
      expect(body.type).toBe(`/v1/error-codes/${e.code}`);
      expect(body.instance).toMatch(/^urn:starling:request:/);
    }
  });

  it('hides unexpected exceptions behind PROXY-UNK-UNEXPECTED', async () => {
    const res = await app.request('/test/crash');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text).code).toBe('PROXY-UNK-UNEXPECTED');
    expect(text).not.toContain('secret internals');
    expect(text).not.toContain('app.js');
  });
});

describe('request guards', () => {
  it('rejects malformed JSON with PROXY-USR-MALFORMED_JSON', async () => {
    const res = await post('/test/echo', '{"name": ');
    expect(res.status).toBe(400);
    expect((await json(res)).code).toBe('PROXY-USR-MALFORMED_JSON');
  });

  it('rejects oversized bodies with PROXY-USR-BODY_TOO_LARGE', async () => {
    const res = await post('/test/echo', JSON.stringify({ name: 'x'.repeat(5000), count: 1 }));
    expect(res.status).toBe(413);
    expect((await json(res)).code).toBe('PROXY-USR-BODY_TOO_LARGE');
  });

  it('reports schema violations field by field', async () => {
    const res = await post('/test/echo', JSON.stringify({ name: '', count: 1.5 }));
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.code).toBe('PROXY-USR-VALIDATION_FAILED');
    expect(body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['count', 'name']);
  });

  it('accepts a valid body', async () => {
    const res = await post('/test/echo', JSON.stringify({ name: 'a', count: 2 }));
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ name: 'a' });
  });

  it('answers unknown routes with PROXY-USR-ROUTE_NOT_FOUND', async () => {
    const res = await app.request('/v1/nothing-here');
    expect(res.status).toBe(404);
    expect((await json(res)).code).toBe('PROXY-USR-ROUTE_NOT_FOUND');
  });
});

describe('service endpoints', () => {
  it('serves the error catalogue', async () => {
    const list = await json(await app.request('/v1/error-codes?layer=PROXY'));
    expect(list.items.length).toBe(listErrorCodes().filter((e) => e.layer === 'PROXY').length);
    const one = await json(await app.request('/v1/error-codes/PROXY-USR-MALFORMED_JSON'));
    expect(one).toMatchObject({ status: 400, layer: 'PROXY', category: 'USR' });
    const missing = await app.request('/v1/error-codes/NOPE');
    expect(missing.status).toBe(404);
  });

  it('publishes an OpenAPI document built from the route schemas, and a reference page', async () => {
    const doc = await json(await app.request('/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('9.9.9');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/error-codes', '/v1/error-codes/{code}', '/test/echo']));
    const page = await app.request('/docs');
    expect(await page.text()).toContain('/openapi.json');
    const asset = await app.request('/docs/assets/swagger-ui-bundle.js');
    expect(asset.status).toBe(200);
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
  });

  it('exposes request metrics by route pattern, and the job queues of the process', async () => {
    ctx.jobs.define({ name: 'test.metrics', process: async () => {} });
    await app.request('/v1/error-codes/PROXY-USR-MALFORMED_JSON');
    const text = await (await app.request('/metrics')).text();
    expect(text).toMatch(/starling_http_requests_total\{method="GET",route="\/v1\/error-codes\/:code",status="200"\} \d+/);
    expect(text).toContain('starling_http_request_duration_seconds_bucket');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(/starling_jobs\{queue="test.metrics",state="waiting"\} 0/);
  });

  it('is ready while the database answers and names it when it does not', async () => {
    const ok = await app.request('/readyz');
    expect(ok.status).toBe(200);
    expect((await json(ok)).checks.database.ok).toBe(true);
    expect((await app.request('/healthz')).status).toBe(200);
    await ctx.database.close();
    const down = await app.request('/readyz');
    expect(down.status).toBe(503);
    const body = await json(down);
    expect(body.code).toBe('PROXY-DEP-DATABASE_UNAVAILABLE');
    expect(body.failing).toBe('database');
  });
});
