import { describe, expect, it } from 'vitest';
import { checkResult, type CheckName, type CheckResult, type CheckStatus } from '../types.js';
import { decideVerdict } from './decide-verdict.js';
import { VERDICT_RULES } from './rules.js';

function r(check: CheckName, status: CheckStatus, finding?: string, evidence: Record<string, unknown> = {}): CheckResult {
  return checkResult(check, Date.now(), { status, summary: `${check} ${status}`, source: 'test', evidence, ...(finding ? { finding } : {}) });
}
const healthy = () => [r('ping', 'ok'), r('ssh', 'ok'), r('agent', 'ok'), r('disk', 'ok'), r('load', 'ok'), r('syslog', 'ok'), r('cmdb', 'ok')];
const withCheck = (c: CheckResult) => healthy().map((x) => (x.check === c.check ? c : x));
const owner = { name: 'Li Lei', dingtalkUserId: 'u1', mobile: null, email: null, source: 'cmdb' as const };

describe('decideVerdict', () => {
  it('healthy host: no code, names the rule', () => {
    const v = decideVerdict({ host: 'web01', checks: healthy(), owner });
    expect(v).toMatchObject({ outcome: 'healthy', code: null, rule: 'healthy', ownerText: 'Li Lei (DingTalk u1)' });
  });
  it('down host beats everything else and states a missing owner', () => {
    const checks = healthy().map((c) => (c.check === 'ping' || c.check === 'ssh' ? r(c.check, 'problem') : c.check === 'disk' ? r('disk', 'problem') : c));
    const v = decideVerdict({ host: 'web01', checks, owner: null });
    expect(v).toMatchObject({ code: 'DIAG-ENV-HOST_DOWN', category: 'ENV', rule: 'host-down', ownerText: 'no owner on record' });
    expect(v.cause.en).toContain('web01');
    expect(v.cause.zh).toContain('宕机');
    expect(v.evidence[0]!.check).toBe('ping');
  });
  it('down after a crash says crashed', () => {
    const checks = healthy().map((c) => (c.check === 'ping' || c.check === 'ssh' ? r(c.check, 'problem') : c.check === 'syslog' ? r('syslog', 'problem', 'crashed', { detail: 'panic with no reboot after it' }) : c));
    expect(decideVerdict({ host: 'h', checks, owner }).rule).toBe('down-after-crash');
  });
  it.each([
    [r('ssh', 'problem', undefined, { port: 22, reason: 'connection refused' }), 'DIAG-ENV-SSH_UNREACHABLE', 'ssh-dead'],
    [r('agent', 'problem', 'hung', { runId: 'r1', unackedForMs: 60000 }), 'DIAG-SYS-AGENT_HUNG', 'agent-hung'],
    [r('disk', 'problem', 'full', { mount: '/data', percent: 99, freeBytes: 10 }), 'DIAG-ENV-DISK_FULL', 'disk-full'],
    [r('load', 'problem', 'baseline', { loadPerCore: 3, reason: 'far above its own history' }), 'DIAG-ENV-LOAD_HIGH', 'load-high'],
    [r('agent', 'problem', 'down'), 'DIAG-SYS-AGENT_DOWN', 'agent-down'],
    [r('syslog', 'problem', 'unclean-reboot', { detail: 'boot with no clean-shutdown record before it' }), 'DIAG-ENV-HOST_CRASHED', 'crashed-and-rebooted'],
    [r('syslog', 'problem', 'hardware', { detail: '2 hardware errors' }), 'DIAG-ENV-HARDWARE_FAILING', 'hardware-errors'],
    [r('cmdb', 'problem', 'mismatch', { field: 'SN', cmdbValue: 'A', hostValue: 'B' }), 'DIAG-ENV-CMDB_MISMATCH', 'cmdb-mismatch'],
  ])('%# one problem → its code', (check, code, rule) => {
    const v = decideVerdict({ host: 'web01', checks: withCheck(check), owner });
    expect(v.code).toBe(code);
    expect(v.rule).toBe(rule);
    expect(v.cause.en).not.toMatch(/\{|\?/);
  });
  it('uses the run code: agent-offline run on a reachable host', () => {
    const v = decideVerdict({ host: 'h', checks: healthy(), owner, runCode: 'CHANNEL-ENV-AGENT_OFFLINE' });
    expect(v.rule).toBe('agent-offline-reported');
    expect(decideVerdict({ host: 'h', checks: healthy(), owner, runCode: 'AGENT-SYS-EXECUTOR_HUNG' }).code).toBe('DIAG-SYS-AGENT_HUNG');
  });
  it('lists inconclusive checks and falls back to inconclusive when probes cannot decide', () => {
    const v = decideVerdict({ host: 'h', checks: withCheck(r('ping', 'unknown')), owner });
    expect(v.rule).toBe('inconclusive');
    expect(v.inconclusive).toEqual(['ping']);
  });
  it('every rule has both languages and a unique name', () => {
    expect(new Set(VERDICT_RULES.map((x) => x.name)).size).toBe(VERDICT_RULES.length);
    for (const rule of VERDICT_RULES) expect(rule.cause.zh.length && rule.action.zh.length && rule.cause.en.length).toBeTruthy();
  });
});
