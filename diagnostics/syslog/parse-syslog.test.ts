import { describe, expect, it } from 'vitest';
import { parseSyslog } from './parse-syslog.js';

const rx = new Date('2026-11-23T09:00:00Z');

describe('parseSyslog', () => {
  it('reads RFC 3164 with PRI (nsyslog-parser)', () => {
    const p = parseSyslog("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", rx);
    expect(p).toMatchObject({ format: 'rfc3164', facility: 4, severity: 2, hostname: 'mymachine', app: 'su', message: "'su root' failed for lonvick on /dev/pts/8" });
    expect(p.reportedAt?.toISOString()).toBe('2026-10-11T22:14:15.000Z');
  });
  it('gives a December BSD line received in January last year\'s date', () => {
    const p = parseSyslog('<13>Dec 31 23:59:00 h app: x', new Date('2027-01-01T00:01:00Z'));
    expect(p.reportedAt?.getUTCFullYear()).toBe(2026);
  });
  it('reads RFC 5424 (nsyslog-parser)', () => {
    const p = parseSyslog('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"] An application event', rx);
    expect(p).toMatchObject({ format: 'rfc5424', facility: 20, severity: 5, hostname: 'mymachine.example.com', app: 'evntslog' });
    expect(p.message).toContain('An application event');
    expect(p.reportedAt?.toISOString()).toBe('2003-10-11T22:14:15.003Z');
  });
  it('reads PRI + ISO timestamp (rsyslog ForwardFormat), which nsyslog-parser cannot', () => {
    const p = parseSyslog('<0>2026-11-23T08:59:59.123456+00:00 web01 kernel: [ 12.3] Kernel panic - not syncing: Fatal exception', rx);
    expect(p).toMatchObject({ format: 'pri-iso', facility: 0, severity: 0, hostname: 'web01', app: 'kernel' });
    expect(p.message).toBe('[ 12.3] Kernel panic - not syncing: Fatal exception');
  });
  it('reads file lines without PRI in both timestamp styles', () => {
    expect(parseSyslog('Jul 27 14:41:57 combo kernel: Linux version 2.6.5-1.358', rx)).toMatchObject({ format: 'file-bsd', hostname: 'combo', app: 'kernel', message: 'Linux version 2.6.5-1.358' });
    expect(parseSyslog('2024-05-06T12:34:56.789012+02:00 web01 sshd[77]: Accepted key', rx)).toMatchObject({ format: 'file-iso', hostname: 'web01', app: 'sshd', pid: '77' });
  });
  it('keeps anything else whole, without NUL bytes, never throwing', () => {
    expect(parseSyslog('Use the BFG!', rx)).toMatchObject({ format: 'raw', message: 'Use the BFG!' });
    expect(parseSyslog('<999>junk', rx).format).toBe('raw');
    expect(parseSyslog('a\u0000b', rx).message).toBe('a b');
  });
});
