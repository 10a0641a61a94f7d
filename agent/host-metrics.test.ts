import { describe, expect, it } from 'vitest';
import { HostMetricsReader, parseMounts } from './host-metrics.js';

describe('parseMounts', () => {
  it('keeps real file systems once per device and always /, skipping pseudo file systems', () => {
    const text = [
      'overlay / overlay rw,relatime 0 0',
      'proc /proc proc rw 0 0',
      'tmpfs /dev tmpfs rw 0 0',
      '/dev/sda1 /data ext4 rw 0 0',
      '/dev/sda1 /data/bind ext4 rw 0 0',
      '/dev/sdb1 /var/lib/my\\040disk xfs rw 0 0',
      'cgroup2 /sys/fs/cgroup cgroup2 rw 0 0',
      'tmpfs /run tmpfs rw 0 0',
    ].join('\n');
    expect(parseMounts(text)).toEqual(['/', '/data', '/var/lib/my disk']);
  });
});

describe('HostMetricsReader', () => {
  it('reads load averages, CPUs and the root file system of this machine', async () => {
    const m = await new HostMetricsReader().read();
    expect(m.load).toHaveLength(3);
    expect(m.load.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
    expect(m.cpus).toBeGreaterThan(0);
    const root = m.mounts.find((x) => x.mount === '/');
    expect(root && root.totalBytes > 0 && root.usedBytes <= root.totalBytes).toBe(true);
  });

  it('measures disk use at most once per diskRefreshMs and carries the last figures in between', async () => {
    const reader = new HostMetricsReader({ diskRefreshMs: 60_000 });
    const first = await reader.read();
    const second = await reader.read();
    expect(second.mounts).toBe(first.mounts); // the same measurement, not a new statfs
    expect(second.load).toHaveLength(3);
    // With no refresh interval every read measures again: new figures, same disk.
    const always = new HostMetricsReader({ diskRefreshMs: 0 });
    const a = await always.read();
    const b = await always.read();
    expect(b.mounts).not.toBe(a.mounts);
    expect(b.mounts.find((x) => x.mount === '/')?.totalBytes).toBe(first.mounts.find((x) => x.mount === '/')?.totalBytes);
  });
});
