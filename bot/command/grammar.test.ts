import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from './closest-match.js';
import { commandWords, parseCommand } from './grammar.js';
import { detectTarget } from './target.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe('target detection', () => {
  it.each([
    ['10.1.2.3', 'ipv4', '10.1.2.3'],
    ['2001:DB8::1', 'ipv6', '2001:db8::1'],
    ['[::1]', 'ipv6', '::1'],
    ['2102311TQH10J9000123', 'sn', '2102311TQH10J9000123'],
    ['CN1234ABCD', 'sn', 'CN1234ABCD'],
    ['web-01.idc1.example.com', 'hostname', 'web-01.idc1.example.com'],
    ['web01', 'hostname', 'web01'],
    ['Web-01.Example.COM.', 'hostname', 'web-01.example.com'],
    ['sn:abc12345', 'sn', 'ABC12345'],
    ['host:WEB01', 'hostname', 'web01'],
  ])('%s is %s', (input, kind, value) => {
    expect(detectTarget(input)).toMatchObject({ kind, value, raw: input });
  });

  it.each(['10.1.2', '999.1.1.1', 'a b', 'web_01', '-web', 'ip:web01', 'x'.repeat(300), ''])('rejects %j with BOT-USR-BAD_TARGET', (input) => {
    expect(codeOf(() => detectTarget(input))).toBe('BOT-USR-BAD_TARGET');
  });
});

describe('grammar', () => {
  it('parses English and Chinese verbs to the same command', () => {
    expect(parseCommand('diag 10.1.2.3')).toEqual(parseCommand('诊断 10.1.2.3'));
    expect(parseCommand(' 诊断10.1.2.3')).toMatchObject({ verb: 'diag', target: { kind: 'ipv4', value: '10.1.2.3' } });
    expect(parseCommand('主机 web-01')).toMatchObject({ verb: 'host', target: { kind: 'hostname' } });
    expect(parseCommand('任务 7f3c2a')).toEqual({ verb: 'task', taskId: '7f3c2a' });
    expect(parseCommand('错误码 agent-env-disk_full')).toEqual({ verb: 'err', code: 'AGENT-ENV-DISK_FULL' });
    expect(parseCommand('cmdb CN1234ABCD')).toMatchObject({ verb: 'cmdb', target: { kind: 'sn' } });
    expect(parseCommand('对账')).toEqual({ verb: 'reconcile', action: 'last' });
    expect(parseCommand('reconcile run')).toEqual({ verb: 'reconcile', action: 'run' });
    expect(parseCommand('对账 运行')).toEqual({ verb: 'reconcile', action: 'run' });
    expect(parseCommand('帮助')).toEqual({ verb: 'help' });
    expect(parseCommand('help diag')).toEqual({ verb: 'help', topic: 'diag' });
  });

  it('treats an empty message (only the @-mention) as help and strips other mentions', () => {
    expect(parseCommand('')).toEqual({ verb: 'help' });
    expect(parseCommand('   \u3000 ')).toEqual({ verb: 'help' });
    expect(commandWords('@Starling @张三 /diag  10.1.2.3 ')).toEqual(['diag', '10.1.2.3']);
    expect(parseCommand('@Starling')).toEqual({ verb: 'help' });
  });

  it('answers unknown verbs with the closest match', () => {
    try {
      parseCommand('daig 10.1.2.3');
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'BOT-USR-UNKNOWN_COMMAND', extras: { suggestion: 'diag' } });
      expect((err as Error).message).toContain('Did you mean "diag"?');
    }
    expect(codeOf(() => parseCommand('诊段 1.2.3.4'))).toBe('BOT-USR-UNKNOWN_COMMAND');
    try {
      parseCommand('frobnicate');
    } catch (err) {
      expect((err as Error).message).not.toContain('Did you mean');
    }
  });

  it('reports missing and bad arguments with their codes', () => {
    expect(codeOf(() => parseCommand('diag'))).toBe('BOT-USR-MISSING_ARGUMENT');
    expect(codeOf(() => parseCommand('task'))).toBe('BOT-USR-MISSING_ARGUMENT');
    expect(codeOf(() => parseCommand('task ../../etc'))).toBe('BOT-USR-BAD_ARGUMENT');
    expect(codeOf(() => parseCommand('reconcile now'))).toBe('BOT-USR-BAD_ARGUMENT');
    expect(codeOf(() => parseCommand('diag not_a_host!'))).toBe('BOT-USR-BAD_TARGET');
  });

  it('measures edit distance with transpositions and on code points', () => {
    expect(editDistance('daig', 'diag')).toBe(1);
    expect(editDistance('诊段', '诊断')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(closestMatch('hlep', ['help', 'host'])).toBe('help');
    expect(closestMatch('zzzz', ['help', 'host'])).toBeUndefined();
  });
});
