import { describe, expect, it } from 'vitest';
import { classifyMessage } from '../syslog/patterns.js';
import { judgeSyslog, type SyslogEventView } from './syslog-check.js';

const t0 = Date.parse('2026-03-01T10:00:00Z');
function events(lines: string[]): SyslogEventView[] {
  return lines.map((message, i) => {
    const c = classifyMessage(message);
    return { receivedAt: new Date(t0 + i * 1000), reportedAt: null, app: 'kernel', message, kind: c?.kind ?? null, patternId: c?.patternId ?? null };
  });
}

describe('judgeSyslog', () => {
  it('panic then boot banner: crashed and came back', () => {
    const r = judgeSyslog(events(['sshd[1]: session opened', '[ 9.1] Kernel panic - not syncing: Fatal exception', 'Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) #1 SMP']));
    expect(r.finding).toBe('crashed');
    expect(r.evidence.detail).toMatch(/panic/);
  });
  it('a lockup with no boot after it: crashed', () => {
    expect(judgeSyslog(events(['watchdog: BUG: soft lockup - CPU#2 stuck for 22s! [chia_plot:29632]'])).finding).toBe('crashed');
  });
  it('boot banner with records but no clean shutdown before it: unclean reboot', () => {
    const r = judgeSyslog(events(['cron[2]: job ran', 'Linux version 6.1.0 (x@y) #1 SMP']));
    expect(r.finding).toBe('unclean-reboot');
  });
  it('boot after a clean shutdown is fine', () => {
    const r = judgeSyslog(events(['systemd-logind[1]: System is rebooting.', 'Syncing filesystems and block devices.', 'Linux version 6.1.0 (x@y) #1 SMP']));
    expect(r.status).toBe('ok');
  });
  it('syslog daemon restarts (log rotation) are not reboots', () => {
    const r = judgeSyslog(events(['cron[2]: job', 'syslogd 1.4.1: restart.', 'rsyslogd: [origin software="rsyslogd" swVersion="8.2302.0" x-pid="1" x-info="https://www.rsyslog.com"] rsyslogd was HUPed', 'cron[3]: job']));
    expect(r.status).toBe('ok');
    expect(r.summary).toMatch(/log rotation/);
  });
  it('hardware errors and OOM kills are problems of their own kind; nothing received is unknown', () => {
    expect(judgeSyslog(events(['EDAC MC0: 1 UE memory read error on CPU_SrcID#0_Ha#0_Chan#0_DIMM#0 (channel:0 slot:0)'])).finding).toBe('hardware');
    expect(judgeSyslog(events(['Out of memory: Killed process 15784 (python3) total-vm:11964kB, anon-rss:4288kB, file-rss:3028kB, shmem-rss:0kB'])).finding).toBe('oom');
    expect(judgeSyslog([]).status).toBe('unknown');
  });
});
