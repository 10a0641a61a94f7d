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
});
