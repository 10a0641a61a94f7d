import { afterEach, describe, expect, it } from 'vitest';
import type { MiddlewareHandler } from 'hono';
import { botDeliveries } from '../db/index.js';
import { groupMessage, startBotHarness, type BotHarness, type BotHarnessOptions } from './helpers/bot-harness.js';
import { openMemoryPglite, openScratchPostgres } from './helpers/db.js';
import { referenceSign } from './helpers/fake-dingtalk.js';
import { waitFor } from './helpers/wait-for.js';

const backends: Array<{ name: string; options: Pick<BotHarnessOptions, 'openDatabase' | 'redis'> }> = [
  { name: 'pglite + in-process jobs', options: { openDatabase: openMemoryPglite, redis: false } },
  { name: 'postgres + bullmq', options: { openDatabase: openScratchPostgres, redis: true } },
];

let harnesses: BotHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

const adminAuth: MiddlewareHandler = async (c, next) => {
  if (c.req.header('authorization') !== 'Bearer admin-test') return c.json({ code: 'PROXY-USR-UNAUTHENTICATED' }, 401);
  await next();
};

describe.each(backends)('reply delivery on $name', ({ options }) => {
  const start = async (extra: Partial<BotHarnessOptions> = {}) => {
    const h = await startBotHarness({ ...options, ...extra });
    harnesses.push(h);
    return h;
  };
  const rows = (h: BotHarness) => h.ctx.db.select().from(botDeliveries);

  it('delivers 30 replies for one robot, none faster than the limit', async () => {
    // The platform's limit scaled down in time: 20 messages per 2 s window (DingTalk: 20 per 60 s).
    const windowMs = 2000;
    // A message leaves a little after its slot; the margin absorbs that (1 s in production).
    const h = await start({
      fake: { rateLimit: { max: 20, windowMs } },
      env: { BOT_RATE_LIMITED_BACKOFF_MS: '1000' },
      bot: { dingtalk: { windowMs }, rateMarginMs: 400, deliveryConcurrency: 8 },
    });
    const msgs = Array.from({ length: 30 }, (_, i) => groupMessage(h.fake, `help ${i}`));
    const acks = await Promise.all(msgs.map((m) => h.callback(m)));
    expect(acks.every((r) => r.status === 200)).toBe(true);
    await waitFor(async () => (await rows(h)).length === 30, { timeoutMs: 40_000 });
    const sent = h.fake.to('/robot/sendBySession');
    expect(sent).toHaveLength(30);
    expect(h.fake.rateViolations).toBe(0);
    expect((await rows(h)).every((r) => r.status === 'sent')).toBe(true);
    const times = sent.map((r) => r.at).sort((a, b) => a - b);
    for (let i = 0; i + 20 < times.length; i++) expect(times[i + 20]! - times[i]!).toBeGreaterThanOrEqual(windowMs);
    expect(new Set(sent.map((r) => r.query.session)).size).toBe(30);
  }, 60_000);

  it('backs off after 130101 and delivers the reply again', async () => {
    const h = await start({ env: { BOT_RATE_LIMITED_BACKOFF_MS: '700' } });
    h.fake.script('/robot/sendBySession', { body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' } });
    const m = groupMessage(h.fake, 'help');
    await h.callback(m);
    const [row] = await waitFor(async () => {
      const r = await rows(h);
      return r.length === 1 && r;
    });
    const sends = h.fake.to('/robot/sendBySession');
    expect(sends).toHaveLength(2);
    expect(sends[1]!.at - sends[0]!.at).toBeGreaterThanOrEqual(700);
    expect(sends[1]!.body).toEqual(sends[0]!.body);
    expect(row).toMatchObject({ status: 'sent', via: 'session-webhook', attempts: 2 });
  });

  it('retries transient failures with backoff', async () => {
    const h = await start({ bot: { deliveryBackoffMs: 100 } });
    h.fake.script('/robot/sendBySession', { status: 502, body: {} }, { body: { errcode: -1, errmsg: '系统繁忙' } });
    await h.callback(groupMessage(h.fake, 'help'));
    const [row] = await waitFor(async () => {
      const r = await rows(h);
      return r.length === 1 && r;
    });
    expect(h.fake.to('/robot/sendBySession')).toHaveLength(3);
    expect(row).toMatchObject({ status: 'sent', attempts: 3 });
  });

  it('uses the group-send fallback when the session answers 300001 or has expired', async () => {
    const h = await start({ env: { DINGTALK_CLIENT_ID: 'ding-app', DINGTALK_CLIENT_SECRET: 'app-secret' } });
    const dead = groupMessage(h.fake, 'help');
    h.fake.expireSession(`s-${dead.msgId as string}`);
    const late = groupMessage(h.fake, 'err BOT-USR-NOT_ALLOWED', { sessionWebhookExpiredTime: Date.now() - 1000 });
    await h.callback(dead);
    await h.callback(late);
    const sent = await waitFor(async () => {
      const r = await rows(h);
      return r.length === 2 && r;
    });
    expect(sent.map((r) => r.via)).toEqual(['group-send', 'group-send']);
    // The live-but-dead session was tried once; the expired one was never tried.
    expect(h.fake.to('/robot/sendBySession').map((r) => r.query.session)).toEqual([`s-${dead.msgId as string}`]);
    const groupSends = h.fake.to('/v1.0/robot/groupMessages/send');
    expect(groupSends).toHaveLength(2);
    for (const g of groupSends) {
      const b = g.body as { msgKey: string; msgParam: string; openConversationId: string; robotCode: string };
      expect(b).toMatchObject({ msgKey: 'sampleMarkdown', openConversationId: 'cidGroupA==', robotCode: 'dingrobot01' });
      expect(JSON.parse(b.msgParam)).toHaveProperty('text');
    }
    expect(h.fake.to('/v1.0/oauth2/accessToken')).toHaveLength(1);
  });

  it('records the reply undeliverable when the session expired and there is no fallback', async () => {
    const h = await start();
    const m = groupMessage(h.fake, 'help', { sessionWebhookExpiredTime: Date.now() - 1000 });
    await h.callback(m);
    const [row] = await waitFor(async () => {
      const r = await rows(h);
      return r.length === 1 && r;
    });
    expect(row).toMatchObject({ status: 'undeliverable', code: 'BOT-DEP-SESSION_EXPIRED', sourceMessageId: m.msgId, via: null });
    expect(JSON.stringify(row!.message)).toContain('Starling commands');
    expect(h.fake.requests).toHaveLength(0);
  });

  it('sends admin notifications through the signed custom robot', async () => {
    const secret = 'SECtestsecret0123456789';
    const h = await start({
      fake: { robotSecret: secret },
      env: (fake) => ({ DINGTALK_ROBOT_SECRET: secret, DINGTALK_ROBOT_WEBHOOK: fake.robotWebhook() }),
      bot: { adminAuth },
    });
    const body = { title: 'Reconciliation finished', text: '3 SN mismatches\n1 host missing in CMDB', atMobiles: ['13800000000'] };
    const denied = await fetch(`${h.url}/v1/notify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(denied.status).toBe(401);
    const res = await fetch(`${h.url}/v1/notify`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer admin-test' }, body: JSON.stringify(body) });
    expect(res.status).toBe(202);
    const { deliveries } = (await res.json()) as { deliveries: string[] };
    expect(deliveries).toHaveLength(1);
    const [row] = await waitFor(async () => {
      const r = await rows(h);
      return r.length === 1 && r;
    });
    // The fake checked timestamp and sign (310000 otherwise): the row says it was accepted.
    expect(row).toMatchObject({ status: 'sent', via: 'custom-robot', deliveryKey: deliveries[0] });
    const [push] = h.fake.to('/robot/send');
    expect(push!.query.sign).toBe(referenceSign(push!.query.timestamp!, secret));
    const rawQuery = new URL(`http://x${(push!.headers[':path'] as string | undefined) ?? ''}`);
    expect(rawQuery).toBeTruthy();
    const b = push!.body as { msgtype: string; markdown: { text: string }; at: { atMobiles: string[] } };
    expect(b.markdown.text).toContain('3 SN mismatches');
    expect(b.markdown.text).toContain('@13800000000');
    expect(b.at.atMobiles).toEqual(['13800000000']);
    const invalid = await fetch(`${h.url}/v1/notify`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer admin-test' }, body: JSON.stringify({ title: '' }) });
    expect(invalid.status).toBe(422);
  });

  it('records a custom-robot rejection (310000) as undeliverable', async () => {
    const h = await start({
      fake: { robotSecret: 'SECright' },
      env: (fake) => ({ DINGTALK_ROBOT_SECRET: 'SECwrong', DINGTALK_ROBOT_WEBHOOK: fake.robotWebhook() }),
      bot: { adminAuth },
    });
    const res = await fetch(`${h.url}/v1/notify`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer admin-test' }, body: JSON.stringify({ title: 't', text: 'x' }) });
    expect(res.status).toBe(202);
    const [row] = await waitFor(async () => {
      const r = await rows(h);
      return r.length === 1 && r;
    });
    expect(row).toMatchObject({ status: 'undeliverable', code: 'BOT-DEP-PLATFORM_REJECTED' });
    expect(row!.reason).toContain('310000');
  });

  it('answers BOT-SYS-NOT_CONFIGURED when no custom robot is set', async () => {
    const h = await start({ bot: { adminAuth } });
    const res = await fetch(`${h.url}/v1/notify`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer admin-test' }, body: JSON.stringify({ title: 't', text: 'x' }) });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'BOT-SYS-NOT_CONFIGURED' });
  });
});
