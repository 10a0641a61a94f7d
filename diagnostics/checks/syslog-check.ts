import type { SyslogKind } from '../syslog/patterns.js';
import { checkResult, type CheckResult } from '../types.js';

/** A stored syslog event as the check reads it. */
export interface SyslogEventView {
  receivedAt: Date;
  reportedAt: Date | null;
  app: string | null;
  message: string;
  kind: SyslogKind | null;
  patternId: string | null;
}

/** Options of {@link judgeSyslog}. */
export interface SyslogCheckOptions {
  /** Window the events were read from, in minutes (for the summary); default 360. */
  windowMinutes?: number;
  /** Boot lines closer than this belong to the same boot; default 120,000 ms. */
  bootGroupMs?: number;
  /** All lines in the window, classified or not (only classified ones may be passed); default events.length. */
  total?: number;
  /** Arrival of the earliest line in the window, classified or not; default the earliest event's. */
  earliestAt?: Date | null;
}

const line = (e: SyslogEventView) => ({ at: e.receivedAt.toISOString(), reportedAt: e.reportedAt?.toISOString() ?? null, app: e.app, pattern: e.patternId, message: e.message.slice(0, 300) });

/**
 * Read a host's recent syslog for host-down and failure evidence. Events are taken in
 * arrival order (boot-time timestamps jump backwards). A boot with no clean-shutdown record
 * since the previous boot is an unclean reboot; a crash record with a boot after it is a
 * crash the host came back from; one with no boot after it, a crash it has not. A syslog
 * daemon restart alone is not a reboot (logrotate HUPs it weekly).
 */
export function judgeSyslog(events: readonly SyslogEventView[], options: SyslogCheckOptions = {}): CheckResult {
  const started = Date.now();
  const windowMinutes = options.windowMinutes ?? 360;
  const groupMs = options.bootGroupMs ?? 120_000;
  if (events.length === 0 && !options.total) {
    return checkResult('syslog', started, { status: 'unknown', summary: `No syslog was received from this host in the last ${windowMinutes} minutes.`, source: 'syslog', evidence: { events: 0 } });
  }
  const sorted = [...events].sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  // Boots: the first boot-kind line of each group.
  const boots: number[] = [];
  sorted.forEach((e, i) => {
    if (e.kind !== 'boot') return;
    const prev = boots.at(-1);
    if (prev === undefined || e.receivedAt.getTime() - sorted[prev]!.receivedAt.getTime() > groupMs) boots.push(i);
  });
  const restarts = sorted.filter((e) => e.kind === 'syslog-restart');
  const total = Math.max(options.total ?? 0, sorted.length);
  const earliest = options.earliestAt ?? sorted[0]?.receivedAt ?? null;
  const base = { events: total, classified: sorted.length, boots: boots.length, syslogRestartsIgnored: restarts.length };

  let crashedBack: { crash: SyslogEventView; boot: SyslogEventView } | null = null;
  let unclean: { boot: SyslogEventView; marker: SyslogEventView | null } | null = null;
  let prevBoot = -1;
  for (const b of boots) {
    const before = sorted.slice(prevBoot + 1, b);
    const clean = before.some((e) => e.kind === 'clean-shutdown');
    const crash = [...before].reverse().find((e) => e.kind === 'crash');
    const nextBoot = boots.find((x) => x > b) ?? sorted.length;
    const marker = sorted.slice(b, nextBoot).find((e) => e.kind === 'unclean-marker') ?? null;
    // Records before this boot: classified ones, or (first boot) any line that arrived earlier.
    const hadRecords = before.length > 0 || (prevBoot < 0 && earliest !== null && earliest.getTime() < sorted[b]!.receivedAt.getTime() - 1000);
    if (crash && !clean) crashedBack = { crash, boot: sorted[b]! };
    else if (!clean && (hadRecords || marker)) unclean = { boot: sorted[b]!, marker };
    prevBoot = b;
  }
  const lastBoot = boots.at(-1) ?? -1;
  const crashAfter = sorted.slice(lastBoot + 1).filter((e) => e.kind === 'crash');

  if (crashAfter.length > 0) {
    const c = crashAfter[crashAfter.length - 1]!;
    return checkResult('syslog', started, {
      status: 'problem', finding: 'crashed',
      summary: `The host logged a ${c.patternId} with no reboot after it: "${c.message.slice(0, 120)}".`,
      source: 'syslog', evidence: { ...base, detail: `${c.patternId} with no reboot after it`, lines: crashAfter.slice(-5).map(line) },
    });
  }
  if (crashedBack) {
    return checkResult('syslog', started, {
      status: 'problem', finding: 'crashed',
      summary: `The host logged a ${crashedBack.crash.patternId} and then booted again without a clean shutdown.`,
      source: 'syslog', evidence: { ...base, detail: `${crashedBack.crash.patternId}, then an unclean reboot`, lines: [line(crashedBack.crash), line(crashedBack.boot)] },
    });
  }
  if (unclean) {
    return checkResult('syslog', started, {
      status: 'problem', finding: 'unclean-reboot',
      summary: 'The host booted again with no clean-shutdown record before it: an unclean reboot (crash, power loss or reset).',
      source: 'syslog', evidence: { ...base, detail: 'boot with no clean-shutdown record before it', lines: [line(unclean.boot), ...(unclean.marker ? [line(unclean.marker)] : [])] },
    });
  }
  for (const [kind, finding, words] of [['hardware', 'hardware', 'hardware or storage errors'], ['resource', 'oom', 'OOM kills'], ['network-fs', 'nfs', 'NFS servers not responding']] as const) {
    const hits = sorted.filter((e) => e.kind === kind);
    if (hits.length > 0) {
      return checkResult('syslog', started, {
        status: 'problem', finding,
        summary: `The host logged ${hits.length} line(s) of ${words}, latest: "${hits.at(-1)!.message.slice(0, 120)}".`,
        source: 'syslog', evidence: { ...base, detail: `${hits.length} ${words}`, lines: hits.slice(-5).map(line) },
      });
    }
  }
  const note = restarts.length > 0 && boots.length === 0 ? ` ${restarts.length} syslog daemon restart(s) without a boot banner were log rotation, not reboots.` : '';
  return checkResult('syslog', started, { status: 'ok', summary: `${total} syslog lines in the last ${windowMinutes} minutes show no crash, reboot or hardware error.${note}`, source: 'syslog', evidence: base });
}
