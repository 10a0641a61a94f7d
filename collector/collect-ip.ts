import type { InterfaceAddress, IpFact, RejectedValue } from './facts.js';
import { describeInterfaces, type InterfaceInfo } from './interfaces.js';
import { canonicalIp, cidrContains, ipv4ToBigInt, ipv6ToBigInt, parseCidr, type Cidr } from './ip-address.js';
import {
  ipv4AddressesByInterface, ipv4DefaultRoutes, ipv6DefaultRoutes, parseFibTrieLocals, parseIfInet6, parseIpv4Routes,
  parseIpv6Routes, type Ipv4Route, type Ipv6Route,
} from './proc-net.js';
import type { RootFs } from './root-fs.js';
import type { CollectionSpec } from './spec.js';

/** Options of {@link collectIp}. */
export interface CollectIpOptions {
  /** Byte order of the captured /proc/net/route; default the running host's. */
  endianness?: 'LE' | 'BE' | undefined;
}

/** The primary IP plus everything seen on the way, for the facts record. */
export interface IpCollection {
  readonly ip: IpFact;
  readonly addresses: InterfaceAddress[];
  readonly interfaces: Map<string, InterfaceInfo>;
}

const cidrCache = new WeakMap<CollectionSpec, Cidr[]>();

function excludedRanges(spec: CollectionSpec): Cidr[] {
  let list = cidrCache.get(spec);
  if (!list) {
    list = spec.ip.excludeAddresses.map((a) => parseCidr(a.cidr));
    cidrCache.set(spec, list);
  }
  return list;
}

function numeric(a: InterfaceAddress): bigint {
  return (a.family === 'ipv4' ? ipv4ToBigInt(a.address) : ipv6ToBigInt(a.address)) ?? 0n;
}

function byAddress(a: InterfaceAddress, b: InterfaceAddress): number {
  const x = numeric(a);
  const y = numeric(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Choose the primary IP per the spec: override file, then the lowest-metric default route
 * (IPv4 before IPv6 by default) on a non-excluded interface, then a deterministic fallback
 * over the remaining up interfaces. Never returns a loopback, link-local or excluded address.
 */
export function collectIp(fs: RootFs, spec: CollectionSpec, options: CollectIpOptions = {}): IpCollection {
  const v = spec.version;
  const rejected: RejectedValue[] = [];
  const ranges = excludedRanges(spec);
  const usableAddress = (ip: string) => !ranges.some((r) => cidrContains(r, ip));

  const r4 = fs.read(spec.ip.routes.ipv4.path);
  const r6 = fs.read(spec.ip.routes.ipv6.path);
  const routes4: Ipv4Route[] = r4.ok ? parseIpv4Routes(r4.text, options.endianness) : [];
  const routes6: Ipv6Route[] = r6.ok ? parseIpv6Routes(r6.text) : [];
  const fib = fs.read(spec.ip.addresses.ipv4.path);
  const inet6 = fs.read(spec.ip.addresses.ipv6.path);
  const all: InterfaceAddress[] = [
    ...(fib.ok ? ipv4AddressesByInterface(parseFibTrieLocals(fib.text), routes4) : []),
    ...(inet6.ok ? parseIfInet6(inet6.text) : []),
  ];
  const interfaces = describeInterfaces(fs, spec, [...all.map((a) => a.iface), ...routes4.map((r) => r.iface), ...routes6.map((r) => r.iface)]);
  const addresses = all.filter((a) => usableAddress(a.address) && !interfaces.get(a.iface)?.excluded);
  const result = (ip: IpFact): IpCollection => ({ ip, addresses, interfaces });

  // 1. Override file.
  const override = fs.read(spec.ip.overridePath);
  if (override.ok) {
    const raw = (override.text.split('\n')[0] ?? '').trim();
    const ip = canonicalIp(raw);
    if (ip && usableAddress(ip)) {
      return result({ value: ip, family: ip.includes(':') ? 'ipv6' : 'ipv4', source: 'override', specVersion: v, path: spec.ip.overridePath, rejected });
    }
    rejected.push({ source: 'override', raw, reason: ip ? 'address in an excluded range' : 'not an IP address' });
  }

  // 2. Default routes, preferred family first, lowest metric first.
  type Candidate = { family: 'ipv4' | 'ipv6'; iface: string; metric: number; gateway?: bigint; path: string };
  const c4: Candidate[] = ipv4DefaultRoutes(routes4).map((r) => ({ family: 'ipv4', iface: r.iface, metric: r.metric, gateway: r.gateway, path: spec.ip.routes.ipv4.path }));
  const c6: Candidate[] = ipv6DefaultRoutes(routes6).map((r) => ({ family: 'ipv6', iface: r.iface, metric: r.metric, path: spec.ip.routes.ipv6.path }));
  const candidates = spec.ip.preferFamily === 'ipv6' ? [...c6, ...c4] : [...c4, ...c6];
  for (const c of candidates) {
    const source = `default-route-${c.family}`;
    const info = interfaces.get(c.iface);
    if (info?.excluded) {
      rejected.push({ source, raw: c.iface, reason: `interface excluded: ${info.excluded}` });
      continue;
    }
    const own = addresses.filter((a) => a.iface === c.iface && a.family === c.family).sort(byAddress);
    // Prefer the address whose subnet holds the gateway (the route's source address in practice).
    const onGatewayNet = c.gateway !== undefined && c.gateway !== 0n
      ? own.find((a) => a.prefixLength !== undefined && cidrContains({ family: 4, base: c.gateway!, prefix: a.prefixLength }, a.address))
      : undefined;
    const pick = onGatewayNet ?? own[0];
    if (!pick) {
      rejected.push({ source, raw: c.iface, reason: `no usable ${c.family} address on the interface` });
      continue;
    }
    return result({ value: pick.address, family: c.family, iface: c.iface, metric: c.metric, source, specVersion: v, path: c.path, rejected });
  }

  // 3. Deterministic fallback: up (or unknown-state) interfaces, preferred family, name, address.
  const pref = spec.ip.preferFamily;
  const pool = addresses
    .filter((a) => interfaces.get(a.iface)?.up !== false)
    .sort((a, b) => Number(a.family !== pref) - Number(b.family !== pref) || (a.iface < b.iface ? -1 : a.iface > b.iface ? 1 : 0) || byAddress(a, b));
  const first = pool[0];
  if (first) {
    return result({ value: first.address, family: first.family, iface: first.iface, source: 'fallback', specVersion: v, rejected });
  }
  return result({ value: null, source: 'none', specVersion: v, code: 'CMDB-ENV-NO_PRIMARY_IP', rejected });
}
