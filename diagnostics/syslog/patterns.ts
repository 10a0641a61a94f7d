/**
 * What a classified syslog line means for a diagnosis:
 * - `crash`: the kernel died or wedged (panic, Oops, lockups, hung tasks);
 * - `hardware`: machine check, memory (EDAC) or storage / filesystem errors;
 * - `resource`: OOM kills;
 * - `network-fs`: NFS server not responding;
 * - `boot`: the kernel's own boot banner — proof of a (re)boot;
 * - `clean-shutdown`: an orderly shutdown or reboot was recorded;
 * - `unclean-marker`: written on the next boot after an unclean stop (journal/fs recovery);
 * - `syslog-restart`: the syslog daemon (re)started or was HUPed — log rotation too, so NOT a boot.
 */
export type SyslogKind = 'crash' | 'hardware' | 'resource' | 'network-fs' | 'boot' | 'clean-shutdown' | 'unclean-marker' | 'syslog-restart';

/** One entry of the pattern catalogue. */
export interface SyslogPattern {
  /** Stable id stored with each classified event. */
  id: string;
  kind: SyslogKind;
  /** Matched against the message text after the kernel `[ 123.456]` prefix is removed. */
  pattern: RegExp;
  /** Plain-words meaning, for evidence. */
  meaning: string;
}

/**
 * The catalogue, data only: order matters only for lines matching several entries (the
 * first wins). Sources: kernel message formats (panic, watchdog, hung_task, oom_kill, block,
 * ext4, sunrpc), systemd-shutdown / logind / rsyslogd texts, node-problem-detector's
 * kernel-monitor set; see docs in diagnostics/README.md.
 */
export const SYSLOG_PATTERNS: readonly SyslogPattern[] = [
  { id: 'panic', kind: 'crash', pattern: /Kernel panic - not syncing/, meaning: 'kernel panic' },
  { id: 'oops', kind: 'crash', pattern: /\bOops: [0-9a-f]{4} \[#\d+\]|BUG: (?:kernel NULL pointer dereference|unable to handle (?:page fault|kernel (?:NULL pointer dereference|paging request)))|general protection fault/, meaning: 'kernel Oops' },
  { id: 'soft-lockup', kind: 'crash', pattern: /BUG: soft lockup - CPU#\d+ stuck for \d+s!/, meaning: 'soft lockup' },
  { id: 'hard-lockup', kind: 'crash', pattern: /Watchdog detected hard LOCKUP on cpu \d+/, meaning: 'hard lockup' },
  { id: 'hung-task', kind: 'crash', pattern: /task \S.*?:\d+ blocked for more than \d+ seconds\./, meaning: 'hung task' },
  { id: 'rcu-stall', kind: 'crash', pattern: /rcu: INFO: rcu_\w+ (?:self-)?detected stalls?/, meaning: 'RCU stall' },
  { id: 'oom-kill', kind: 'resource', pattern: /(?:Out of memory|Memory cgroup out of memory): Kill(?:ed)? process \d+|^Killed process \d+ \(.*?\) total-vm:/, meaning: 'OOM kill' },
  { id: 'mce', kind: 'hardware', pattern: /\[Hardware Error\]|Machine check events logged/, meaning: 'machine check (hardware error)' },
  { id: 'edac', kind: 'hardware', pattern: /EDAC MC\d+: \d+ (?:CE|UE) /, meaning: 'memory error (EDAC)' },
  { id: 'block-io', kind: 'hardware', pattern: /(?:^|: )(?:I\/O|critical medium|critical target|timeout|critical nexus|protection) error, dev [^,\s]+, sector \d+/, meaning: 'block device I/O error' },
  { id: 'buffer-io', kind: 'hardware', pattern: /Buffer I\/O error on dev(?:ice)? \S+, logical block \d+/, meaning: 'buffer I/O error' },
  { id: 'ext4-error', kind: 'hardware', pattern: /EXT4-fs error \(device [^)]+\)|Remounting filesystem read-only|Aborting journal on device \S+/, meaning: 'filesystem error / read-only remount' },
  { id: 'xfs-shutdown', kind: 'hardware', pattern: /XFS \(\S+\): .*Shutting down filesystem/, meaning: 'XFS shutdown' },
  { id: 'nfs-not-responding', kind: 'network-fs', pattern: /: server \S+ not responding, (?:still trying|timed out)/, meaning: 'NFS server not responding' },
  { id: 'boot-banner', kind: 'boot', pattern: /^Linux version \S+ /, meaning: 'kernel boot banner' },
  { id: 'boot-cmdline', kind: 'boot', pattern: /^(?:Kernel )?[Cc]ommand line: /, meaning: 'kernel command line at boot' },
  { id: 'journal-boot', kind: 'boot', pattern: /^-- (?:Reboot|Boot [0-9a-f]{32}) --$/, meaning: 'journal boot marker' },
  { id: 'systemd-shutdown', kind: 'clean-shutdown', pattern: /^(?:Syncing filesystems and block devices\.|Sending SIGTERM to remaining processes|Powering off\.|Rebooting\.)|Reached target (?:System Power Off|System Reboot|Reboot|Power-Off)|^Shutting down\.$/, meaning: 'orderly shutdown (systemd)' },
  { id: 'logind-shutdown', kind: 'clean-shutdown', pattern: /^System is (?:rebooting|powering down)|^Power key pressed/, meaning: 'orderly shutdown (logind)' },
  { id: 'syslog-exit', kind: 'clean-shutdown', pattern: /\[origin software="rsyslogd" .*\] exiting on signal 15\.|^exiting on signal 15$|shutting down for system (?:reboot|halt)|Switching to runlevel: [06]/, meaning: 'syslog daemon stopped for shutdown' },
  { id: 'kernel-reboot', kind: 'clean-shutdown', pattern: /^reboot: (?:Restarting system|System halted|Power down)/, meaning: 'kernel reboot/halt' },
  { id: 'journal-unclean', kind: 'unclean-marker', pattern: /corrupted or uncleanly shut down, renaming and replacing/, meaning: 'journal was not closed cleanly' },
  { id: 'fs-recovery', kind: 'unclean-marker', pattern: /EXT4-fs \(\S+\): recovery complete|INFO: recovery required|XFS \(\S+\): Starting recovery|recovering journal/, meaning: 'filesystem journal recovery at mount' },
  { id: 'rsyslog-start', kind: 'syslog-restart', pattern: /\[origin software="rsyslogd" .*\] start$|rsyslogd was HUPed/, meaning: 'rsyslogd start or HUP' },
  { id: 'syslogd-restart', kind: 'syslog-restart', pattern: /^syslogd [\d.]+: restart\.$|syslog-ng .*starting/, meaning: 'syslogd restart (log rotation or boot)' },
];

/** Prefix the kernel puts before its messages (monotonic seconds, optional caller id). */
export const KERNEL_PREFIX = /^\[\s*\d+\.\d+\](?:\[\s*[CT]\d+\])?\s*/;

/** A classified line. */
export interface Classification {
  patternId: string;
  kind: SyslogKind;
  meaning: string;
}

/** Classify one message (text after `tag[pid]: `); null when no catalogue entry matches. */
export function classifyMessage(message: string, patterns: readonly SyslogPattern[] = SYSLOG_PATTERNS): Classification | null {
  const text = message.replace(KERNEL_PREFIX, '').slice(0, 2048);
  for (const p of patterns) if (p.pattern.test(text)) return { patternId: p.id, kind: p.kind, meaning: p.meaning };
  return null;
}
