import { afterEach, describe, expect, it } from 'vitest';
import { botDeliveries, botMessages } from '../db/index.js';
import { groupMessage, startBotHarness, type BotHarness, type BotHarnessOptions } from './helpers/bot-harness.js';
import { openMemoryPglite, openScratchPostgres } from './helpers/db.js';
import { waitFor } from './helpers/wait-for.js';

const backends: Array<{ name: string; options: Pick<BotHarnessOptions, 'openDatabase' | 'redis'> }> = [
  { name: 'pglite + in-process jobs', options: { openDatabase: openMemoryPglite, redis: false } },
  { name: 'postgres + bullmq', options: { openDatabase: openScratchPostgres, redis: true } },
];

let harnesses: BotHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

describe.each(backends)('DingTalk Stream mode on $name', ({ options }) => {
  const start = async () => {
    const h = await startBotHarness({
      ...options,
      env: { DINGTALK_STREAM: 'true', DINGTALK_CLIENT_ID: 'ding-app', DINGTALK_CLIENT_SECRET: 'app-secret' },
      bot: { streamReconnectBaseMs: 50 },
    });
    harnesses.push(h);
    await waitFor(() => h.fake.streamConnections === 1, { what: 'stream connection' });
    return h;
  };
  const acksOf = (h: BotHarness, messageId: string) => h.fake.upstream.filter((u) => u.headers?.messageId === messageId);

  it('receives a robot message, replies and acknowledges the frame; a redelivery is acked but not processed again', async () => {
    const h = await start();
    // The gateway was asked for the robot topic with the app's credentials.
    const open = h.fake.to('/v1.0/gateway/connections/open')[0]!;
    expect(open.body).toMatchObject({ clientId: 'ding-app', subscriptions: expect.arrayContaining([{ type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' }]) });

    const msg = groupMessage(h.fake, 'err BOT-USR-NOT_ALLOWED');
    const frameId = h.fake.pushRobotMessage(msg);
    const [ack] = await waitFor(() => {
      const a = acksOf(h, frameId);
      return a.length > 0 && a;
    });
    expect(ack).toMatchObject({ code: 200, message: 'OK', headers: { messageId: frameId, contentType: 'application/json' } });
    expect(JSON.parse(ack!.data)).toEqual({ response: null });
    const [reply] = await waitFor(() => {
      const r = h.fake.to('/robot/sendBySession');
      return r.length > 0 && r;
    });
    expect((reply!.body as { markdown: { text: string } }).markdown.text).toContain('BOT_CONVERSATIONS');

    // DingTalk redelivers the same message (a new frame id, the same msgId).
    const again = h.fake.pushRobotMessage(msg);
    await waitFor(() => acksOf(h, again).length === 1);
    await waitFor(async () => (await h.ctx.db.select().from(botDeliveries)).length === 1);
    expect(h.fake.to('/robot/sendBySession')).toHaveLength(1);
    await waitFor(async () => (await h.ctx.db.select().from(botMessages)).length === 1);
  });

  it('answers pings, acks garbage without crashing, and reconnects after the connection drops', async () => {
    const h = await start();
    const opaque = h.fake.ping();
    await waitFor(() => h.fake.upstream.some((u) => u.data === JSON.stringify({ opaque })));
    const garbageId = `bad-${Date.now()}`;
    h.fake.pushRobotMessage('not an object', garbageId);
    await waitFor(() => acksOf(h, garbageId).length === 1);

    h.fake.dropStreams();
    await waitFor(() => h.fake.to('/v1.0/gateway/connections/open').length >= 2 && h.fake.streamConnections === 1, { what: 'reconnect' });
    const msg = groupMessage(h.fake, 'help');
    const frameId = h.fake.pushRobotMessage(msg);
    await waitFor(() => acksOf(h, frameId).length === 1);
    await waitFor(() => h.fake.to('/robot/sendBySession').length === 1);
  });

  it('stops reconnecting once closed', async () => {
    const h = await start();
    await h.bot.close();
    await h.bot.close();
    await waitFor(() => h.fake.streamConnections === 0);
    const opens = h.fake.to('/v1.0/gateway/connections/open').length;
    // Give a pending reconnect timer (the package retries after 1 s) the chance to misfire.
    await waitFor(() => new Promise<boolean>((r) => setTimeout(() => r(true), 1500)));
    expect(h.fake.to('/v1.0/gateway/connections/open')).toHaveLength(opens);
    expect(h.fake.streamConnections).toBe(0);
  });
});
