import { describe, expect, it } from 'vitest';
import type { Reply } from '../render/reply.js';
import { escapeDingtalk, renderDingtalkMarkdown } from './markdown.js';

const bytes = (m: unknown) => Buffer.byteLength(JSON.stringify(m), 'utf8');

describe('DingTalk markdown', () => {
  it('renders within the supported subset and mentions the owner in text and at', () => {
    const reply: Reply = {
      title: 'diag web-01: DIAG-ENV-HOST_DOWN',
      blocks: [
        { kind: 'heading', text: 'diag web-01' },
        { kind: 'text', text: 'Verdict: DIAG-ENV-HOST_DOWN', bold: true },
        { kind: 'list', items: ['reachable: FAIL', 'ssh: FAIL'] },
        { kind: 'quote', lines: ['```rm -rf```', '<font color=red>x</font>'] },
        { kind: 'link', text: 'Full diagnosis', url: 'https://starling.example/v1/diagnoses/1' },
      ],
      mention: { userIds: ['042297'], mobiles: ['13800000000'] },
    };
    const [m, ...rest] = renderDingtalkMarkdown(reply);
    expect(rest).toHaveLength(0);
    expect(m).toMatchObject({ msgtype: 'markdown', markdown: { title: 'diag web-01: DIAG-ENV-HOST_DOWN' }, at: { atUserIds: ['042297'], atMobiles: ['13800000000'], isAtAll: false } });
    const text = m!.msgtype === 'markdown' ? m!.markdown.text : '';
    expect(text).toContain('#### diag web-01');
    expect(text).toContain('**Verdict: DIAG-ENV-HOST_DOWN**');
    expect(text).toContain('- reachable: FAIL\n- ssh: FAIL');
    expect(text).toContain('[Full diagnosis](https://starling.example/v1/diagnoses/1)');
    expect(text).toMatch(/@042297 @13800000000$/);
    expect(text).not.toContain('```');
    expect(text).not.toContain('<font');
    expect(text).not.toMatch(/^\|/m);
  });

  it('escapes markup in user-supplied text', () => {
    expect(escapeDingtalk('a*b [x](y) `c`\nnext')).toBe("a\\*b \\[x\\](y) 'c' next");
  });

  it('splits long replies under the size limit, mention in the first part only', () => {
    const items = Array.from({ length: 3000 }, (_, i) => `主机 host-${i}: 失败 AGENT-ENV-DISK_FULL`);
    const parts = renderDingtalkMarkdown({ title: 'task t1', blocks: [{ kind: 'list', items }], mention: { userIds: ['u1'] } }, { maxBodyBytes: 19_000 });
    expect(parts.length).toBeGreaterThan(3);
    for (const p of parts) expect(bytes(p)).toBeLessThanOrEqual(19_000);
    expect(parts[0]).toHaveProperty('at');
    expect(parts.slice(1).every((p) => !('at' in p))).toBe(true);
    expect(parts.map((p) => (p.msgtype === 'markdown' ? p.markdown.title : ''))).toContain(`task t1 (2/${parts.length})`);
    const all = parts.map((p) => (p.msgtype === 'markdown' ? p.markdown.text : '')).join('\n');
    for (const i of [0, 1499, 2999]) expect(all).toContain(`host-${i}:`);
  });

  it('cuts a single oversized line by bytes', () => {
    const parts = renderDingtalkMarkdown({ title: 't', blocks: [{ kind: 'text', text: '诊'.repeat(20_000) }] }, { maxBodyBytes: 5_000 });
    expect(parts.length).toBeGreaterThanOrEqual(12);
    for (const p of parts) expect(bytes(p)).toBeLessThanOrEqual(5_000);
  });
});
