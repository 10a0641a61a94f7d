import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { StarlingError } from '../core/index.js';
import { createRouter, problemResponseSpec } from '../http/index.js';
import type { Context } from '../runtime/index.js';
import type { InboundMessage } from './adapter.js';
import type { DingtalkAdapter } from './dingtalk/adapter.js';
import type { Reply } from './render/reply.js';

/** What the routes need of the bot (a subset of `Bot`, declared here to keep the import graph acyclic). */
export interface BotRouteTarget {
  readonly dingtalk: DingtalkAdapter;
  accept(message: InboundMessage): Promise<'accepted' | 'duplicate'>;
  notify(reply: Reply): Promise<string[]>;
}

/** Options of {@link botRouter}. */
export interface BotRouterOptions {
  /** Guards POST /v1/notify; absent: the route is not mounted. */
  adminAuth?: MiddlewareHandler | undefined;
  /** Largest callback body, bytes. */
  callbackBodyLimit: number;
}

const NotifyBody = z
  .object({
    title: z.string().min(1).max(100).openapi({ example: 'Reconciliation finished' }),
    text: z.string().min(1).max(8000).openapi({ description: 'Plain text; each line becomes a paragraph. Markup is escaped.' }),
    atUserIds: z.array(z.string().min(1).max(128)).max(20).optional(),
    atMobiles: z.array(z.string().regex(/^\+?[0-9-]{5,20}$/)).max(20).optional(),
  })
  .openapi('NotifyRequest');

const notifyRoute = createRoute({
  method: 'post',
  path: '/v1/notify',
  tags: ['bot'],
  summary: 'Send a test notification through the DingTalk custom robot (admins)',
  request: { body: { content: { 'application/json': { schema: NotifyBody } }, required: true } },
  responses: {
    202: { description: 'Queued for delivery', content: { 'application/json': { schema: z.object({ deliveries: z.array(z.string()) }) } } },
    422: problemResponseSpec('Invalid request'),
    503: problemResponseSpec('BOT-SYS-NOT_CONFIGURED: no custom robot configured'),
  },
});

/**
 * The robot's HTTP routes. `POST /bot/dingtalk` checks the signature headers before reading
 * anything else, bounds and parses the body, de-duplicates by msgId, queues the command and
 * answers DingTalk's empty message at once; the reply follows through the delivery job.
 */
export function botRouter(ctx: Context, bot: BotRouteTarget, options: BotRouterOptions): OpenAPIHono {
  const app = createRouter();
  if (ctx.config.DINGTALK_APP_SECRET) {
    app.post('/bot/dingtalk', async (c) => {
      bot.dingtalk.verify((name) => c.req.header(name), '', ctx.clock.now());
      const limit = options.callbackBodyLimit;
      const declared = Number(c.req.header('content-length') ?? '0');
      if (declared > limit) throw new StarlingError('BOT-USR-BODY_TOO_LARGE', { limit });
      const raw = await c.req.text();
      if (Buffer.byteLength(raw) > limit) throw new StarlingError('BOT-USR-BODY_TOO_LARGE', { limit });
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch (err) {
        throw new StarlingError('BOT-USR-MALFORMED_MESSAGE', { reason: (err as Error).message.slice(0, 200) });
      }
      const message = bot.dingtalk.parse(body);
      const result = await bot.accept(message);
      const ack = bot.dingtalk.immediateAck();
      return c.json(ack.body as Record<string, unknown>, ack.status as 200, { 'x-starling-bot': result });
    });
  }
  if (options.adminAuth) {
    app.use('/v1/notify', options.adminAuth);
    app.openapi(notifyRoute, async (c) => {
      const body = c.req.valid('json');
      const reply: Reply = {
        title: body.title,
        blocks: [
          { kind: 'heading', text: body.title },
          ...body.text.split(/\r?\n/).filter((l) => l.trim().length > 0).map((text) => ({ kind: 'text' as const, text })),
        ],
        mention: { userIds: body.atUserIds, mobiles: body.atMobiles },
      };
      const deliveries = await bot.notify(reply);
      return c.json({ deliveries }, 202);
    });
  }
  return app;
}
