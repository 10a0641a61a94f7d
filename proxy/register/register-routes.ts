import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { StarlingError } from '../../core/index.js';
import { createRouter, problemResponseSpec } from '../../http/index.js';
import { REGISTER_PATH, registeredResponse, registerRequest } from '../../protocol/index.js';
import type { Context } from '../../runtime/index.js';
import { safeEqual } from '../auth/secrets.js';
import type { ProxyCore } from '../proxy-core.js';

const route = createRoute({
  method: 'post',
  path: REGISTER_PATH,
  tags: ['agents'],
  summary: 'Register an agent (ConfigService)',
  description:
    'Called by agents with the enrolment token (`Authorization: Bearer <token>`). Upserts the host by its facts, issues the agent id and credential, and answers with the channels of its IDC (least loaded first), the heartbeat interval and the run-signing public keys.',
  request: { body: { content: { 'application/json': { schema: registerRequest } }, required: true } },
  responses: {
    200: { description: 'Registered', content: { 'application/json': { schema: registeredResponse } } },
    401: problemResponseSpec('Missing or wrong enrolment token'),
    422: problemResponseSpec('Invalid registration'),
  },
});

function enrolmentAuth(ctx: Context): MiddlewareHandler {
  return async (c, next) => {
    const token = ctx.config.AGENT_ENROLMENT_TOKEN;
    if (!token) throw new StarlingError('PROXY-USR-ENROLMENT_REFUSED', { reason: 'this proxy has no AGENT_ENROLMENT_TOKEN configured' });
    const m = /^Bearer\s+(\S{1,512})$/i.exec(c.req.header('authorization') ?? '');
    if (!m || !safeEqual(m[1]!, token)) throw new StarlingError('PROXY-USR-ENROLMENT_REFUSED', { reason: 'missing or wrong enrolment token' });
    await next();
  };
}

/** `POST /v1/agents/register`: registrations arriving together are written in one batch. */
export function registerRoutes(ctx: Context, core: ProxyCore): OpenAPIHono {
  const app = createRouter();
  app.use(REGISTER_PATH, enrolmentAuth(ctx));
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    return c.json(await core.register(body), 200);
  });
  return app;
}
