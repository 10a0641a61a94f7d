import { checkResult, type CheckResult, type MountSample } from '../types.js';

/** Options of {@link judgeDisk}. */
export interface DiskCheckOptions {
  /** A mount used above this percentage is a problem; default 95. */
  maxUsedPercent?: number;
  /**
   * A mount with less free space than this is a problem; default 1 GiB. Applied to `/` and to
   * mounts of at least 4× this size (data mounts), not to small ones such as /boot.
   */
  minFreeBytes?: number;
  /** Mount points never judged; default pseudo filesystems under /proc, /sys, /dev, /run. */
  ignore?: RegExp;
}

const DEFAULT_IGNORE = /^\/(proc|sys|dev|run)(\/|$)/;

/**
 * Judge per-mount usage from the agent's heartbeat or node_exporter. The worst mount
 * decides; every mount's figures go into the evidence.
 */
export function judgeDisk(mounts: MountSample[] | null, source: string, options: DiskCheckOptions = {}, at?: Date | null): CheckResult {
  const started = Date.now();
  const maxUsed = options.maxUsedPercent ?? 95;
  const minFree = options.minFreeBytes ?? 1_073_741_824;
  const ignore = options.ignore ?? DEFAULT_IGNORE;
  if (!mounts || mounts.length === 0) {
    return checkResult('disk', started, { status: 'unknown', summary: 'No disk usage is known for this host (no heartbeat metrics, no Prometheus series).', source, evidence: {} });
  }
  const judged = mounts
    .filter((m) => !ignore.test(m.mount) && m.totalBytes > 0)
    .map((m) => {
      const freeBytes = Math.max(0, m.totalBytes - m.usedBytes);
      const percent = Math.round((m.usedBytes / m.totalBytes) * 1000) / 10;
      const freeRule = m.mount === '/' || m.totalBytes >= 4 * minFree;
      const full = percent > maxUsed || (freeRule && freeBytes < minFree);
      return { mount: m.mount, percent, freeBytes, totalBytes: m.totalBytes, full };
    })
    .sort((a, b) => Number(b.full) - Number(a.full) || b.percent - a.percent);
  const worst = judged[0];
  if (!worst) return checkResult('disk', started, { status: 'unknown', summary: 'No judgeable mounts were reported.', source, evidence: { mounts } });
  const evidence = { mount: worst.mount, percent: worst.percent, freeBytes: worst.freeBytes, mounts: judged, sampledAt: at?.toISOString() ?? null, maxUsedPercent: maxUsed, minFreeBytes: minFree };
  return checkResult('disk', started, worst.full
    ? { status: 'problem', finding: 'full', summary: `Mount ${worst.mount} is ${worst.percent}% full with ${worst.freeBytes} bytes free.`, source, evidence }
    : { status: 'ok', summary: `Fullest mount ${worst.mount} is ${worst.percent}% used.`, source, evidence });
}
