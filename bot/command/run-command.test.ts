import { describe, expect, it } from 'vitest';
import { renderDingtalkMarkdown } from '../dingtalk/markdown.js';
import type { AccessPolicy } from './access.js';
import { runCommand, type CommandOrigin } from './run-command.js';
import type { BotServices, DiagnosisView } from './services.js';

const open: AccessPolicy = { conversations: ['*'], senders: [], actingEnabled: false, actingSenders: [] };
const origin: CommandOrigin = { platform: 'dingtalk', conversationId: 'cid1', senderId: 'u1', senderName: 'Ann' };

// A small in-memory diagnosis service: the verdict depends on the host, so the rendering is checked
// against data the test controls rather than a canned reply.
const hosts = new Map<string, DiagnosisView>([
  ['10.0.0.9', { host: 'db-09', code: 'DIAG-ENV-HOST_DOWN', cause: 'no ICMP or TCP answer for 30 s', checks: [{ name: 'reachable', status: 'fail' }, { name: 'ssh', status: 'fail', detail: 'timeout' }], owner: { name: 'Bo', userIds: ['bo01'] }, id: 'd-42' }],
  ['10.0.0.1', { host: 'web-01', code: null, cause: 'all checks passed', checks: [{ name: 'reachable', status: 'ok' }] }],
]);
const services: BotServices = {
  diagnoseHost: async (t) => hosts.get(t.value) ?? null,
  lookupTask: async () => {
    throw new Error('connection refused');
  },
};

const text = (r: Awaited<ReturnType<typeof runCommand>>) => {
  const m = renderDingtalkMarkdown(r)[0]!;
  return m.msgtype === 'markdown' ? m.markdown.text : m.text.content;
};

describe('runCommand', () => {
  it('renders a down host with its verdict code, cause, owner mention and link', async () => {
    const r = await runCommand('诊断 10.0.0.9', origin, { services, policy: open, linkBase: 'https://s.example/' });
    expect(r.code).toBe('DIAG-ENV-HOST_DOWN');
    expect(r.mention).toEqual({ name: 'Bo', userIds: ['bo01'] });
    const t = text(r);
    expect(t).toContain('DIAG-ENV-HOST_DOWN');
    expect(t).toContain('no ICMP or TCP answer for 30 s');
    expect(t).toContain('ssh: FAIL — timeout');
    expect(t).toContain('(https://s.example/v1/diagnoses/d-42)');
    expect(t).toContain('@bo01');
  });

  it('says healthy for a healthy host and not-found for an unknown one', async () => {
    expect(text(await runCommand('diag 10.0.0.1', origin, { services, policy: open }))).toContain('Verdict: healthy');
    const r = await runCommand('diag 10.0.0.77', origin, { services, policy: open });
    expect(r.code).toBe('BOT-USR-NOT_FOUND');
  });

  it('answers missing services with BOT-SYS-FEATURE_UNAVAILABLE instead of guessing', async () => {
    for (const cmd of ['host web01', 'cmdb web01', 'reconcile last']) {
      const r = await runCommand(cmd, origin, { services, policy: open });
      expect(r.code).toBe('BOT-SYS-FEATURE_UNAVAILABLE');
    }
  });

  it('wraps a failing service in BOT-DEP-SERVICE_FAILED', async () => {
    const r = await runCommand('task abc', origin, { services, policy: open });
    expect(r.code).toBe('BOT-DEP-SERVICE_FAILED');
    expect(text(r)).toContain('connection refused');
  });

  it('explains catalogued error codes and suggests near misses', async () => {
    const r = await runCommand('err bot-usr-not_allowed', origin, { services: {}, policy: open });
    expect(r.code).toBe('BOT-USR-NOT_ALLOWED');
    expect(text(r)).toContain('BOT_CONVERSATIONS');
    const miss = await runCommand('err BOT-USR-NOT_ALOWED', origin, { services: {}, policy: open });
    expect(miss.code).toBe('BOT-USR-ERROR_CODE_UNKNOWN');
    expect(text(miss)).toContain('Did you mean BOT-USR-NOT_ALLOWED?');
  });

  it('refuses commands outside the allow-lists and gives help with the closest verb', async () => {
    const denied = await runCommand('diag 10.0.0.9', origin, { services, policy: { ...open, conversations: ['other'] } });
    expect(denied.code).toBe('BOT-USR-NOT_ALLOWED');
    const unknown = await runCommand('daig 10.0.0.9', origin, { services, policy: open });
    expect(unknown.code).toBe('BOT-USR-UNKNOWN_COMMAND');
    expect(text(unknown)).toContain('Did you mean "diag"?');
    expect(text(unknown)).toContain('Starling commands');
  });
});
