import { describe, expect, it } from 'vitest';
import { classifyMessage } from './patterns.js';

const samples: Array<[string, string]> = [
  ['[  518.050606] Kernel panic - not syncing: Fatal exception in interrupt', 'panic'],
  ['[ 12.1] BUG: kernel NULL pointer dereference, address: 0000000000000008', 'oops'],
  ['Oops: 0002 [#1] SMP NOPTI', 'oops'],
  ['[405108.698255] watchdog: BUG: soft lockup - CPU#2 stuck for 22s! [chia_plot:29632]', 'soft-lockup'],
  ['[  129.338433][    C1] watchdog: CPU3: Watchdog detected hard LOCKUP on cpu 3', 'hard-lockup'],
  ['INFO: task jbd2/sda1-8:161 blocked for more than 120 seconds.', 'hung-task'],
  ['Out of memory: Killed process 15784 (python3) total-vm:11964kB, anon-rss:4288kB, file-rss:3028kB, shmem-rss:0kB', 'oom-kill'],
  ['Memory cgroup out of memory: Killed process 42 (java) total-vm:1kB', 'oom-kill'],
  ['mce: [Hardware Error]: Machine check events logged', 'mce'],
  ['EDAC MC1: 1 CE memory scrubbing error on CPU_SrcID#1_Ha#0_Chan#0_DIMM#0 (channel:0 slot:0 page:0xee30a0)', 'edac'],
  ['I/O error, dev sdb, sector 14010528 op 0x0:(READ) flags 0x0 phys_seg 64 prio class 2', 'block-io'],
  ['blk_update_request: I/O error, dev nvme1n1, sector 823872 op 0x0:(READ) flags 0x80700 phys_seg 1 prio class 0', 'block-io'],
  ['Buffer I/O error on dev sda8, logical block 8388772, lost async page write', 'buffer-io'],
  ['EXT4-fs error (device sdd1): ext4_journal_check_start:83: comm rsync: Detected aborted journal', 'ext4-error'],
  ['[1576939.453001] nfs: server 100.73.159.36 not responding, still trying', 'nfs-not-responding'],
  ['Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC', 'boot-banner'],
  ['Command line: BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet', 'boot-cmdline'],
  ['Syncing filesystems and block devices.', 'systemd-shutdown'],
  ['System is rebooting.', 'logind-shutdown'],
  ['[origin software="rsyslogd" swVersion="8.2302.0" x-pid="612" x-info="https://www.rsyslog.com"] exiting on signal 15.', 'syslog-exit'],
  ['File /var/log/journal/abc/system.journal corrupted or uncleanly shut down, renaming and replacing.', 'journal-unclean'],
  ['[origin software="rsyslogd" swVersion="8.2302.0" x-pid="612" x-info="https://www.rsyslog.com"] start', 'rsyslog-start'],
  ['syslogd 1.4.1: restart.', 'syslogd-restart'],
];

describe('syslog pattern catalogue', () => {
  it.each(samples)('%s → %s', (line, id) => {
    expect(classifyMessage(line)?.patternId).toBe(id);
  });
  it('leaves benign lines unclassified', () => {
    for (const l of ['Intel machine check reporting enabled on CPU#0.', 'cupsd shutdown succeeded', 'session opened for user root by (uid=0)', 'FATAL: nothing happened', 'logrotate: ALERT exited abnormally with [1]']) {
      expect(classifyMessage(l), l).toBeNull();
    }
  });
});
