import { readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { availableParallelism, freemem, loadavg, totalmem } from 'node:os';
import type { HostMetrics, MountUsageReport } from '../protocol/index.js';

/** File systems that hold no user data: never reported. */
const PSEUDO_FS = new Set([
  'proc', 'sysfs', 'devtmpfs', 'devpts', 'tmpfs', 'cgroup', 'cgroup2', 'securityfs', 'pstore', 'debugfs', 'tracefs',
  'mqueue', 'hugetlbfs', 'configfs', 'fusectl', 'bpf', 'autofs', 'binfmt_misc', 'rpc_pipefs', 'nsfs', 'efivarfs', 'ramfs',
  'squashfs', 'overlay', 'fuse.lxcfs', 'selinuxfs', 'nfsd',
]);

/** Mount points worth reporting from /proc/mounts text: real file systems, one per device, plus `/` always. */
export function parseMounts(text: string, max = 32): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const [dev, mount, fstype] = line.split(' ');
    if (!dev || !mount || !fstype) continue;
    const point = mount.replace(/\\040/g, ' ');
    if (point !== '/' && (PSEUDO_FS.has(fstype) || seen.has(dev))) continue;
    if (point.startsWith('/proc') || point.startsWith('/sys') || point.startsWith('/dev')) continue;
    seen.add(dev);
    if (!out.includes(point)) out.push(point);
    if (out.length >= max) break;
  }
  if (!out.includes('/')) out.unshift('/');
  return out;
}

function readLoad(): [number, number, number] {
  try {
    const [a, b, c] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
    if ([a, b, c].every((x) => Number.isFinite(x))) return [a!, b!, c!];
  } catch {
    // not Linux: fall back to the OS's figures
  }
  const [a = 0, b = 0, c = 0] = loadavg();
  return [a, b, c];
}

/** Options of {@link HostMetricsReader}. */
export interface HostMetricsOptions {
  /** Re-read the mount list this often, ms; default 60,000. */
  mountsRefreshMs?: number;
  /**
   * Measure disk use (statfs per mount) at most this often, ms; default 60,000. Heartbeats in
   * between carry the last figures: disks fill in minutes, loads change in seconds, and the
   * proxy keeps a metrics sample at most once a minute anyway.
   */
  diskRefreshMs?: number;
}

/** Reads load averages (/proc/loadavg), CPU count, memory and per-mount disk use (statfs). */
export class HostMetricsReader {
  private mounts: string[] = [];
  private mountsAt = 0;
  private disk: MountUsageReport[] = [];
  private diskAt = 0;
  constructor(private readonly options: HostMetricsOptions = {}) {}

  /** Read the current metrics (disk use as of at most `diskRefreshMs` ago); a mount that cannot be read is left out. */
  async read(): Promise<HostMetrics> {
    const now = Date.now();
    if (this.diskAt === 0 || now - this.diskAt >= (this.options.diskRefreshMs ?? 60_000)) {
      this.disk = await this.readDisk(now);
      this.diskAt = now;
    }
    return { load: readLoad(), cpus: availableParallelism(), mounts: this.disk, memTotalBytes: totalmem(), memAvailableBytes: freemem() };
  }

  private async readDisk(now: number): Promise<MountUsageReport[]> {
    if (now - this.mountsAt > (this.options.mountsRefreshMs ?? 60_000)) {
      try {
        this.mounts = parseMounts(readFileSync('/proc/mounts', 'utf8'));
      } catch {
        this.mounts = ['/'];
      }
      this.mountsAt = now;
    }
    const mounts: MountUsageReport[] = [];
    for (const mount of this.mounts) {
      try {
        const s = await statfs(mount);
        mounts.push({ mount, usedBytes: (s.blocks - s.bfree) * s.bsize, totalBytes: s.blocks * s.bsize });
      } catch {
        // unmounted meanwhile or not permitted
      }
    }
    return mounts;
  }
}
