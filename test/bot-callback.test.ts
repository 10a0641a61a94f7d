import { request } from 'node:http';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { botDeliveries, botMessages } from '../db/index.js';
import { groupMessage, signedHeaders, startBotHarness, type BotHarness, type BotHarnessOptions } from './helpers/bot-harness.js';
import { openMemoryPglite, openScratchPostgres } from './helpers/db.js';
import { referenceSign } from './helpers/fake-dingtalk.js';
import { closedPort, tcpDiagnosisService } from './helpers/tcp-diagnosis.js';
import { waitFor } from './helpers/wait-for.js';

const backends: Array<{ name: string; options: Pick<BotHarnessOptions, 'openDatabase' | 'redis'> }> = [
  { name: 'pglite + in-process jobs', options: { openDatabase: openMemoryPglite, redis: false } },
  { name: 'postgres + bullmq', options: { openDatabase: openScratchPostgres, redis: true } },
];

let harnesses: BotHarness[] = [];

/** POST on its own connection (the server cuts an oversized upload short, which would poison a pooled socket). */
function rawPost(url: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

describe.each(backends)('DingTalk callback on $name', ({ options }) => {
  const start = async (extra: Partial<BotHarnessOptions> = {}) => {
    const h = await startBotHarness({ ...options, ...extra });
    harnesses.push(h);
    return h;
  };
  const commandJobs = async (h: BotHarness) => {
    const c = await h.ctx.jobs.counts('bot.command');
    return c.waiting + c.active + c.delayed + c.completed + c.failed;
  };
  const deliveries = (h: BotHarness) => h.ctx.db.select().from(botDeliveries);

  it('answers a signed diag of a down host with one markdown reply: verdict, cause, owner @-mentioned', async () => {
    const port = await closedPort();
    const h = await start({ bot: { services: tcpDiagnosisService({ port, owners: { '127.0.0.1': { name: 'Bo', userIds: ['staff-bo'] } } }) } });
    const msg = groupMessage(h.fake, '诊断 127.0.0.1');
    const t0 = performance.now();
    const res = await h.callback(msg);
    const ackMs = performance.now() - t0;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ msgtype: 'empty' });
    expect(ackMs).toBeLessThan(1000);

    const replies = await waitFor(() => {
      const r = h.fake.to('/robot/sendBySession');
      return r.length > 0 && r;
    });
    const [d] = await waitFor(async () => {
      const rows = await deliveries(h);
      return rows.length > 0 && rows;
    });
    expect(replies).toHaveLength(1);
    const reply = replies[0]!;
    expect(reply.query.session).toBe(`s-${msg.msgId as string}`);
    const body = reply.body as { msgtype: string; markdown: { title: string; text: string }; at: { atUserIds: string[] } };
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.text).toContain('DIAG-ENV-HOST_DOWN');
    expect(body.markdown.text).toContain('does not answer');
    expect(body.markdown.text).toContain('ECONNREFUSED');
    expect(body.markdown.text).toContain('@staff-bo');
    expect(body.markdown.text).toContain('(https://starling.test/v1/diagnoses/tcp-');
    expect(body.markdown.text).not.toContain('```');
    expect(body.at.atUserIds).toEqual(['staff-bo']);
    expect(d).toMatchObject({ status: 'sent', via: 'session-webhook', sourceMessageId: msg.msgId, conversationId: 'cidGroupA==' });
  });

  it('rejects wrong sign, stale timestamp and missing headers with BOT-USR codes and queues nothing', async () => {
    const h = await start();
    const msg = groupMessage(h.fake, 'help');
    const cases: Array<[Record<string, string>, string]> = [
      [{ ...signedHeaders(), sign: referenceSign(String(Date.now()), 'wrong-secret') }, 'BOT-USR-SIGNATURE_INVALID'],
      [signedHeaders(Date.now() - 3_600_000 - 5_000), 'BOT-USR-TIMESTAMP_STALE'],
      [signedHeaders(Date.now() + 3_600_000 + 5_000), 'BOT-USR-TIMESTAMP_STALE'],
      [{ 'content-type': 'application/json' }, 'BOT-USR-SIGNATURE_MISSING'],
      [{ 'content-type': 'application/json', timestamp: String(Date.now()) }, 'BOT-USR-SIGNATURE_MISSING'],
    ];
    for (const [headers, code] of cases) {
      const res = await h.callback(msg, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await res.json()).toMatchObject({ code });
    }
    // Header names are case-insensitive (one adapter test sends `timeStamp`).
    const ts = String(Date.now());
    const ok = await h.callback(msg, { 'content-type': 'application/json', timeStamp: ts, Sign: referenceSign(ts, 'appSecretExample_ABCdef0123456789') });
    expect(ok.status).toBe(200);
    await waitFor(async () => (await commandJobs(h)) === 1);
    // With Redis the claim is decided there and the row follows in the background.
    await waitFor(async () => (await h.ctx.db.select().from(botMessages)).length === 1);
  });

  it('ignores a replayed msgId: one job, one reply', async () => {
    const h = await start();
    const msg = groupMessage(h.fake, 'help');
    const first = await h.callback(msg);
    expect(first.headers.get('x-starling-bot')).toBe('accepted');
    const again = await Promise.all([h.callback(msg), h.callback(msg)]);
    for (const r of again) {
      expect(r.status).toBe(200);
      expect(r.headers.get('x-starling-bot')).toBe('duplicate');
    }
    await waitFor(() => h.fake.to('/robot/sendBySession').length === 1);
    await waitFor(async () => (await deliveries(h)).length === 1);
    expect(await commandJobs(h)).toBe(1);
    await waitFor(async () => (await h.ctx.db.select().from(botMessages).where(eq(botMessages.messageId, msg.msgId as string))).length === 1);
    expect(await h.ctx.db.select().from(botMessages)).toHaveLength(1);
  });

  it('does not acknowledge a message it could not queue, and processes the retry instead of refusing it as a duplicate', async () => {
    const h = await start();
    const msg = groupMessage(h.fake, 'help');
    // The queue refuses the first command job (e.g. Redis briefly unreachable): no 200, nothing claimed.
    const enqueue = h.ctx.jobs.enqueue.bind(h.ctx.jobs);
    let refused = 0;
    h.ctx.jobs.enqueue = (name, data, opts) => (name === 'bot.command' && refused++ === 0 ? Promise.reject(new Error('queue unavailable')) : enqueue(name, data, opts));
    const failed = await h.callback(msg);
    expect(failed.status).toBe(500);
    expect(await commandJobs(h)).toBe(0);
    const retry = await h.callback(msg);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('x-starling-bot')).toBe('accepted');
    expect((await h.callback(msg)).headers.get('x-starling-bot')).toBe('duplicate');
    await waitFor(() => h.fake.to('/robot/sendBySession').length === 1);
    expect(await commandJobs(h)).toBe(1);
    await waitFor(async () => (await h.ctx.db.select().from(botMessages)).length === 1);
  });

  it('drops a second command job for an answered message (a redelivery another process queued): one run, one reply', async () => {
    const port = await closedPort();
    const tcp = tcpDiagnosisService({ port, owners: {} });
    let runs = 0;
    const h = await start({ bot: { services: { diagnoseHost: (target, signal) => (runs++, tcp.diagnoseHost(target, signal)) } } });
    const msg = groupMessage(h.fake, 'diag 127.0.0.1');
    expect((await h.callback(msg)).headers.get('x-starling-bot')).toBe('accepted');
    await waitFor(() => h.fake.to('/robot/sendBySession').length === 1);
    // What a process that never saw the message would queue after the first job left the queue.
    const message = h.bot.dingtalk.parse(msg);
    await h.ctx.jobs.enqueue('bot.command', { message, acceptedAt: Date.now() + 1 }, { jobId: 'command-redelivered-elsewhere' });
    await waitFor(async () => (await h.ctx.jobs.counts('bot.command')).completed === 2);
    await waitFor(async () => (await deliveries(h)).length === 1);
    expect(runs).toBe(1);
    expect(h.fake.to('/robot/sendBySession')).toHaveLength(1);
    await waitFor(async () => (await h.ctx.db.select().from(botMessages)).length === 1);
  });

  it('survives bad input: invalid JSON, huge bodies, bad fields, foreign webhooks', async () => {
    const h = await start();
    const invalid = await h.callback('{"msgtype": "text", ', signedHeaders());
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { code: string }).code).toMatch(/MALFORMED/);
    const invalidPlain = await h.callback('{"msgtype": ', { ...signedHeaders(), 'content-type': 'text/plain' });
    expect(await invalidPlain.json()).toMatchObject({ code: 'BOT-USR-MALFORMED_MESSAGE' });
    const huge = await h.callback(groupMessage(h.fake, 'help', { padding: 'x'.repeat(100_000) }));
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ code: 'BOT-USR-BODY_TOO_LARGE' });
    expect(await rawPost(`${h.url}/bot/dingtalk`, 'x'.repeat(3_000_000), signedHeaders())).toBe(413);
    const noId = groupMessage(h.fake, 'help');
    delete noId.msgId;
    expect(await (await h.callback(noId)).json()).toMatchObject({ code: 'BOT-USR-INVALID_MESSAGE', status: 422 });
    const array = await h.callback([1, 2, 3]);
    expect(array.status).toBe(422);
    const foreign = await h.callback(groupMessage(h.fake, 'help', { sessionWebhook: 'https://evil.example/robot/sendBySession?session=x' }));
    expect(await foreign.json()).toMatchObject({ code: 'BOT-USR-WEBHOOK_NOT_ALLOWED' });
    expect(await commandJobs(h)).toBe(0);
    expect(h.fake.requests).toHaveLength(0);
    // Still serving.
    expect((await h.callback(groupMessage(h.fake, 'help'))).status).toBe(200);
  });

  it('answers non-text messages and a bare @ with help', async () => {
    const h = await start();
    const picture = groupMessage(h.fake, '', { msgtype: 'picture', text: undefined, content: { downloadCode: 'abc' } });
    const bare = groupMessage(h.fake, '');
    const unknownVerb = groupMessage(h.fake, 'dialg 10.0.0.1');
    for (const m of [picture, bare, unknownVerb]) expect((await h.callback(m)).status).toBe(200);
    const replies = await waitFor(() => {
      const r = h.fake.to('/robot/sendBySession');
      return r.length === 3 && r;
    });
    const textOf = (session: string) => {
      const r = replies.find((x) => x.query.session === session)!;
      return (r.body as { markdown: { text: string } }).markdown.text;
    };
    expect(textOf(`s-${picture.msgId as string}`)).toContain('BOT-USR-UNSUPPORTED_MESSAGE');
    expect(textOf(`s-${picture.msgId as string}`)).toContain('Starling commands');
    expect(textOf(`s-${bare.msgId as string}`)).toContain('Starling commands');
    expect(textOf(`s-${unknownVerb.msgId as string}`)).toContain('Did you mean "diag"?');
  });

  it('answers a data command whose component is missing with BOT-SYS-FEATURE_UNAVAILABLE', async () => {
    const h = await start();
    const m = groupMessage(h.fake, 'task 42');
    await h.callback(m);
    const [r] = await waitFor(() => {
      const x = h.fake.to('/robot/sendBySession');
      return x.length === 1 && x;
    });
    expect((r!.body as { markdown: { text: string } }).markdown.text).toContain('BOT-SYS-FEATURE_UNAVAILABLE');
  });
});
