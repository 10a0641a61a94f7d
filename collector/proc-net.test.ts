import { describe, expect, it } from 'vitest';
import { bigIntToIpv6, canonicalIp, ipv6ToBigInt } from './ip-address.js';
import {
  decodeRouteHex, ipv4AddressesByInterface, ipv4DefaultRoutes, ipv6DefaultRoutes, parseFibTrieLocals, parseIfInet6,
  parseIpv4Routes, parseIpv6Routes, routeIpv4Text,
} from './proc-net.js';

const ROUTE = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT'.padEnd(127),
  'eth0\t00000000\t010200C0\t0003\t0\t0\t10\t00000000\t0\t0\t0'.padEnd(127),
  'eth1\t00000000\t0101A8C0\t0003\t0\t0\t9\t00000000\t0\t0\t0'.padEnd(127),
  '*\t00000000\t00000000\t0201\t0\t0\t0\t00000000\t0\t0\t0'.padEnd(127),
  'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0'.padEnd(127),
  'bad line',
].join('\n');

describe('/proc/net parsing', () => {
  it('decodes little- and big-endian route words', () => {
    expect(routeIpv4Text(decodeRouteHex('0170100A', 'LE'))).toBe('10.16.112.1');
    expect(routeIpv4Text(decodeRouteHex('0A107001', 'BE'))).toBe('10.16.112.1');
  });

  it('orders default routes by metric, skipping blackhole and malformed lines', () => {
    const routes = parseIpv4Routes(ROUTE, 'LE');
    expect(routes).toHaveLength(4);
    expect(ipv4DefaultRoutes(routes).map((r) => [r.iface, r.metric])).toEqual([['eth1', 9], ['eth0', 10]]);
  });

  it('maps fib_trie local addresses to interfaces through connected routes', () => {
    const trie = 'Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 192.0.2.7\n        /32 host LOCAL\n     |-- 127.0.0.1\n        /32 host LOCAL\n     |-- 192.0.2.255\n        /32 link BROADCAST\n';
    const locals = parseFibTrieLocals(trie);
    expect(locals).toEqual(['192.0.2.7', '127.0.0.1']);
    expect(ipv4AddressesByInterface(locals, parseIpv4Routes(ROUTE, 'LE'))).toEqual([{ iface: 'eth0', address: '192.0.2.7', family: 'ipv4', prefixLength: 24 }]);
  });

  it('skips the unreachable ::/0 on lo and keeps a real IPv6 default', () => {
    const text = [
      '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00450003     eth0',
      '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo',
    ].join('\n');
    expect(ipv6DefaultRoutes(parseIpv6Routes(text)).map((r) => r.iface)).toEqual(['eth0']);
  });

  it('drops deprecated and tentative IPv6 addresses and sorts temporary ones last', () => {
    const text = [
      '20010db8000000000000000000000001 02 40 00 01     eth0',
      '20010db8000000000000000000000002 02 40 00 20     eth0',
      '20010db8000000000000000000000003 02 40 00 40     eth0',
      '20010db8000000000000000000000004 02 40 00 80     eth0',
    ].join('\n');
    expect(parseIfInet6(text).map((a) => a.address)).toEqual(['2001:db8::4', '2001:db8::1']);
  });

  it('canonicalises IPv6 text', () => {
    expect(canonicalIp('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(canonicalIp('::ffff:10.0.0.1')).toBe('::ffff:a00:1');
    expect(canonicalIp('10.0.0.300')).toBeNull();
    expect(bigIntToIpv6(ipv6ToBigInt('fe80::1:0:0:1')!)).toBe('fe80::1:0:0:1');
  });
});
