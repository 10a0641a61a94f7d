import { cpSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { collectFacts } from './index.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const at = (name: string) => collectFacts({ root: join(fixtures, name), endianness: 'LE', dmidecode: undefined });

describe('collectFacts on the machine fixtures', () => {
  it('normal server: DMI product serial (case-folded) and the default-route IP', () => {
    const f = at('normal-server');
    expect(f.sn).toMatchObject({ value: '7XK2QH3', raw: '7xk2qh3', source: 'dmi:product_serial', specVersion: 'v1', path: '/sys/class/dmi/id/product_serial' });
    expect(f.ip).toMatchObject({ value: '10.20.0.15', source: 'default-route-ipv4', iface: 'eno1', metric: 100, specVersion: 'v1' });
    expect(f.hostname).toMatchObject({ value: 'db-prod-01', source: 'kernel' });
    // The link-local IPv6 on eno1 is never a candidate.
    expect(f.addresses.map((a) => a.address)).toEqual(['10.20.0.15']);
  });

  it('placeholder SN: junk product and chassis serials are rejected, the board serial wins', () => {
    const f = at('placeholder-sn');
    expect(f.sn).toMatchObject({ value: 'ZM19AS012345', source: 'dmi:board_serial' });
    expect(f.sn.rejected.map((r) => [r.source, r.raw])).toEqual([
      ['dmi:product_serial', 'To Be Filled By O.E.M.'],
      ['dmi:chassis_serial', 'default   STRING'],
    ]);
    expect(f.sn.rejected[0]!.rule).toContain('GLPI');
  });

  it('every serial a placeholder: an explicit no-valid-SN result, nothing invented', () => {
    const f = at('all-placeholder-sn');
    expect(f.sn).toMatchObject({ value: null, source: 'none', reason: 'placeholder', code: 'CMDB-ENV-NO_VALID_SN', specVersion: 'v1' });
    expect(f.sn.rejected).toHaveLength(3);
    expect(f.ip.value).toBe('10.40.0.9');
  });

  it('VMware VM: serial normalised, platform detected', () => {
    const f = at('vmware-vm');
    expect(f.sn).toMatchObject({ value: 'VMware-421a2b3c4d5e6f708192a3b4c5d6e7f8', normalization: 'vmware', source: 'dmi:product_serial' });
    expect(f.platform.value).toBe('vmware');
    expect(f.ip).toMatchObject({ value: '10.50.8.21', iface: 'ens192' });
  });

  it('Hyper-V VM: 26-digit serial put in dashed form', () => {
    const f = at('hyperv-vm');
    expect(f.sn).toMatchObject({ value: '1234-5678-9012-3456-7890-1234-56', normalization: 'hyperv' });
    expect(f.platform.value).toBe('hyperv');
  });

  it('no readable DMI and no dmidecode: explicit no-valid-SN, reason unreadable', () => {
    const f = at('no-dmi');
    expect(f.sn).toMatchObject({ value: null, reason: 'unreadable', code: 'CMDB-ENV-NO_VALID_SN' });
    expect(f.sn.unread.map((u) => u.source)).toEqual(['dmi:product_serial', 'dmi:chassis_serial', 'dmi:board_serial', 'dmidecode']);
    expect(f.ip.value).toBe('172.31.9.4');
  });

  it('sysfs missing, captured dmidecode present: the first valid dmidecode serial wins', () => {
    const f = at('dmidecode-only');
    expect(f.sn).toMatchObject({ value: '219356432', source: 'dmidecode:chassis' });
    expect(f.sn.rejected).toEqual([expect.objectContaining({ source: 'dmidecode:system', raw: 'Not Specified' })]);
  });

  it('multi-NIC host: bond0 default route wins, an excluded lower-metric tun0 route is rejected, virtual NICs excluded', () => {
    const f = at('docker-host');
    expect(f.ip).toMatchObject({ value: '10.80.1.10', iface: 'bond0', source: 'default-route-ipv4', metric: 100 });
    expect(f.ip.rejected).toEqual([expect.objectContaining({ source: 'default-route-ipv4', raw: 'tun0' })]);
    const excluded = f.excludedInterfaces.map((e) => e.iface).sort();
    expect(excluded).toEqual(['br-3f2ac91d07b1', 'docker0', 'eno1', 'eno2', 'lo', 'tun0', 'veth9a1b2c3', 'virbr0']);
    expect(f.excludedInterfaces.find((e) => e.iface === 'eno1')?.reason).toBe('bond slave');
    expect(f.addresses.map((a) => a.address).sort()).toEqual(['10.80.1.10', '192.168.100.10']);
  });

  it('no default route: deterministic fallback skips br-, cali and docker0 and takes eth0', () => {
    const f = at('no-default-route');
    expect(f.ip).toMatchObject({ value: '10.90.2.5', iface: 'eth0', source: 'fallback' });
    expect(f.ip.metric).toBeUndefined();
  });

  it('two default routes: the lowest metric wins, not the first line', () => {
    const f = at('two-default-routes');
    expect(f.ip).toMatchObject({ value: '10.11.0.8', iface: 'eth1', metric: 100 });
  });

  it('IPv6-only: the ::/0 route on eth0 gives the global address; the lo reject route and link-local are ignored', () => {
    const f = at('ipv6-only');
    expect(f.ip).toMatchObject({ value: '2001:db8:10::25', family: 'ipv6', iface: 'eth0', source: 'default-route-ipv6', metric: 1024, path: '/proc/net/ipv6_route' });
  });

  it('override files win over valid DMI and default-route values', () => {
    const f = at('override');
    expect(f.sn).toMatchObject({ value: 'OVR-0042', source: 'override', path: '/etc/starling/sn' });
    expect(f.ip).toMatchObject({ value: '10.99.0.7', source: 'override', path: '/etc/starling/ip' });
  });
});

describe('collectFacts edge cases on copied fixtures', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const copy = (name: string) => {
    dir = mkdtempSync(join(tmpdir(), 'starling-collect-'));
    cpSync(join(fixtures, name), dir, { recursive: true });
    return dir;
  };

  it('a placeholder or malformed override is rejected and the next source is used', () => {
    const root = copy('normal-server');
    mkdirSync(join(root, 'etc/starling'), { recursive: true });
    writeFileSync(join(root, 'etc/starling/sn'), 'None\n');
    writeFileSync(join(root, 'etc/starling/ip'), '127.0.0.1\n');
    const f = collectFacts({ root, endianness: 'LE' });
    expect(f.sn).toMatchObject({ value: '7XK2QH3', source: 'dmi:product_serial' });
    expect(f.sn.rejected[0]).toMatchObject({ source: 'override', raw: 'None' });
    expect(f.ip).toMatchObject({ value: '10.20.0.15', source: 'default-route-ipv4' });
    expect(f.ip.rejected[0]).toMatchObject({ source: 'override', raw: '127.0.0.1' });
  });

  it('with no addresses anywhere the IP is explicitly absent', () => {
    const root = copy('normal-server');
    writeFileSync(join(root, 'proc/net/fib_trie'), '');
    writeFileSync(join(root, 'proc/net/if_inet6'), '');
    const f = collectFacts({ root, endianness: 'LE' });
    expect(f.ip).toMatchObject({ value: null, source: 'none', code: 'CMDB-ENV-NO_PRIMARY_IP' });
    expect(f.ip.rejected[0]).toMatchObject({ source: 'default-route-ipv4', raw: 'eno1' });
  });

  it('an injected dmidecode provider is used only when sysfs DMI is unreadable', () => {
    const calls: string[] = [];
    const dmidecode = () => {
      calls.push('run');
      return 'Handle 0x0001, DMI type 1, 27 bytes\nSystem Information\n\tSerial Number: ABC123XYZ\n';
    };
    expect(collectFacts({ root: join(fixtures, 'no-dmi'), dmidecode }).sn).toMatchObject({ value: 'ABC123XYZ', source: 'dmidecode:system' });
    expect(collectFacts({ root: join(fixtures, 'all-placeholder-sn'), dmidecode }).sn.value).toBeNull();
    expect(calls).toHaveLength(1);
  });

  it('gives the same answer on every run (deterministic)', () => {
    const names = ['normal-server', 'docker-host', 'no-default-route', 'ipv6-only'];
    for (const n of names) expect(JSON.stringify(at(n))).toBe(JSON.stringify(at(n)));
  });
});
