import { afterEach, describe, expect, it } from 'vitest';
import { componentBotServices } from '../bot/index.js';
import { groupMessage, startBotHarness, type BotHarness } from './helpers/bot-harness.js';
import { openMemoryPglite, openScratchPostgres } from './helpers/db.js';
import { waitFor } from './helpers/wait-for.js';

let harnesses: BotHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

describe.each([
  { name: 'pglite', openDatabase: openMemoryPglite },
  { name: 'postgres', openDatabase: openScratchPostgres },
])('bot over the real components on $name', ({ openDatabase }) => {
  it('diag runs the diagnostics engine and reconcile reads cmdb-sync', async () => {
    const h = await startBotHarness({ openDatabase, services: componentBotServices, env: { DIAG_PING_MODE: 'tcp' } });
    harnesses.push(h);
    const diag = groupMessage(h.fake, 'diag 127.0.0.1');
    const last = groupMessage(h.fake, '对账 last');
    await h.callback(diag);
    await h.callback(last);
    const replies = await waitFor(() => {
      const r = h.fake.to('/robot/sendBySession');
      return r.length === 2 && r;
    }, { timeoutMs: 20_000 });
    const text = (m: Record<string, unknown>) =>
      (replies.find((r) => r.query.session === `s-${m.msgId as string}`)!.body as { markdown: { text: string } }).markdown.text;
    expect(text(diag)).toContain('#### diag 127.0.0.1');
    expect(text(diag)).toMatch(/Verdict: (healthy|DIAG-[A-Z]+-[A-Z_]+)/);
    expect(text(diag)).toMatch(/\(https:\/\/starling\.test\/v1\/diagnoses\/[0-9a-f-]+\)/);
    expect(text(diag)).not.toContain('BOT-SYS-FEATURE_UNAVAILABLE');
    // No reconciliation has run yet: the answer says so with its code, it does not invent one.
    expect(text(last)).toContain('BOT-USR-NOT_FOUND');
  });
});
