import { endianness } from 'node:os';
import type { InterfaceAddress } from './facts.js';
import { bigIntToIpv4, bigIntToIpv6 } from './ip-address.js';

/** Route flag bits from linux/route.h / ipv6_route.h. */
export const RTF_UP = 0x1;
export const RTF_GATEWAY = 0x2;
export const RTF_REJECT = 0x200;

/** One line of /proc/net/route (main table, IPv4, first nexthop). */
export interface Ipv4Route {
  readonly iface: string;
  readonly destination: bigint;
  readonly gateway: bigint;
  readonly mask: bigint;
  readonly flags: number;
  readonly metric: number;
  /** Position in the file, for stable tie-breaking. */
  readonly line: number;
}

/** One line of /proc/net/ipv6_route. */
export interface Ipv6Route {
  readonly iface: string;
  readonly destination: bigint;
  readonly prefixLength: number;
  readonly nextHop: bigint;
  readonly metric: number;
  readonly flags: number;
  readonly line: number;
}

const HEX8 = /^[0-9A-Fa-f]{8}$/;
const HEX32 = /^[0-9A-Fa-f]{32}$/;

/**
 * Decode a `%08X` address from /proc/net/route: the kernel prints the network-order word as
 * a host integer, so on little-endian machines the bytes come out reversed.
 */
export function decodeRouteHex(hex: string, order: 'LE' | 'BE' = endianness()): bigint {
  const v = BigInt(`0x${hex}`);
  if (order === 'BE') return v;
  return ((v & 0xffn) << 24n) | (((v >> 8n) & 0xffn) << 16n) | (((v >> 16n) & 0xffn) << 8n) | ((v >> 24n) & 0xffn);
}

/**
 * Parse /proc/net/route. Lines are split on whitespace (the header's tab layout differs from
 * the data lines and every line is space-padded); malformed lines are skipped.
 */
export function parseIpv4Routes(text: string, order: 'LE' | 'BE' = endianness()): Ipv4Route[] {
  const out: Ipv4Route[] = [];
  text.split('\n').forEach((raw, i) => {
    if (i === 0) return;
    const f = raw.trim().split(/\s+/);
    if (f.length < 8) return;
    const [iface, dest, gw, flags, , , metric, mask] = f as [string, string, string, string, string, string, string, string];
    if (!HEX8.test(dest) || !HEX8.test(gw) || !HEX8.test(mask) || !/^[0-9A-Fa-f]+$/.test(flags) || !/^-?\d+$/.test(metric)) return;
    out.push({
      iface, destination: decodeRouteHex(dest, order), gateway: decodeRouteHex(gw, order), mask: decodeRouteHex(mask, order),
      flags: parseInt(flags, 16), metric: Number(metric), line: i,
    });
  });
  return out;
}

/** Parse /proc/net/ipv6_route; malformed lines are skipped. */
export function parseIpv6Routes(text: string): Ipv6Route[] {
  const out: Ipv6Route[] = [];
  text.split('\n').forEach((raw, i) => {
    const f = raw.trim().split(/\s+/);
    if (f.length < 10) return;
    const [dest, plen, , , nh, metric, , , flags, iface] = f as [string, string, string, string, string, string, string, string, string, string];
    if (!HEX32.test(dest) || !HEX32.test(nh) || !/^[0-9a-fA-F]+$/.test(plen + metric + flags)) return;
    out.push({
      iface, destination: BigInt(`0x${dest}`), prefixLength: parseInt(plen, 16), nextHop: BigInt(`0x${nh}`),
      metric: parseInt(metric, 16), flags: parseInt(flags, 16), line: i,
    });
  });
  return out;
}

/** Usable IPv4 default routes, lowest metric first (file order on ties). */
export function ipv4DefaultRoutes(routes: readonly Ipv4Route[]): Ipv4Route[] {
  return routes
    .filter((r) => r.destination === 0n && r.mask === 0n && r.iface !== '*' && (r.flags & RTF_UP) !== 0 && (r.flags & RTF_REJECT) === 0)
    .sort((a, b) => a.metric - b.metric || a.line - b.line);
}

/** Usable IPv6 default routes (::/0, up, not reject, not on lo), lowest metric first. */
export function ipv6DefaultRoutes(routes: readonly Ipv6Route[]): Ipv6Route[] {
  return routes
    .filter((r) => r.destination === 0n && r.prefixLength === 0 && r.iface !== 'lo' && (r.flags & RTF_UP) !== 0 && (r.flags & RTF_REJECT) === 0)
    .sort((a, b) => a.metric - b.metric || a.line - b.line);
}

/** The host's own IPv4 addresses: `/32 host LOCAL` leaves of /proc/net/fib_trie. */
export function parseFibTrieLocals(text: string): string[] {
  const seen = new Set<string>();
  let current: string | null = null;
  for (const line of text.split('\n')) {
    const leaf = /\|--\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(line);
    if (leaf) {
      current = leaf[1] ?? null;
      continue;
    }
    if (current && /^\s+\/32\s+host\s+LOCAL\b/.test(line)) seen.add(current);
  }
  return [...seen];
}

/**
 * Attach each local IPv4 address to the interface whose connected route (no gateway, not
 * the default) contains it, most specific prefix first. Addresses without one are dropped
 * (127.0.0.1 lives in the local table only).
 */
export function ipv4AddressesByInterface(locals: readonly string[], routes: readonly Ipv4Route[]): InterfaceAddress[] {
  const connected = routes.filter((r) => r.mask !== 0n && r.gateway === 0n && (r.flags & RTF_GATEWAY) === 0 && r.iface !== '*');
  const out: InterfaceAddress[] = [];
  for (const address of locals) {
    const v = address.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
    let best: Ipv4Route | undefined;
    let bestLen = -1;
    for (const r of connected) {
      if ((v & r.mask) !== (r.destination & r.mask)) continue;
      const len = r.mask.toString(2).replace(/0/g, '').length;
      if (len > bestLen) {
        best = r;
        bestLen = len;
      }
    }
    if (best) out.push({ iface: best.iface, address, family: 'ipv4', prefixLength: bestLen });
  }
  return out;
}

/** Flag bits of /proc/net/if_inet6 that make an address unusable. */
const IFA_F_DADFAILED = 0x08;
const IFA_F_DEPRECATED = 0x20;
const IFA_F_TENTATIVE = 0x40;
const IFA_F_TEMPORARY = 0x01;

/** Parse /proc/net/if_inet6; deprecated, tentative and DAD-failed addresses are left out, temporary ones sort last. */
export function parseIfInet6(text: string): InterfaceAddress[] {
  const out: (InterfaceAddress & { temporary: boolean })[] = [];
  for (const raw of text.split('\n')) {
    const f = raw.trim().split(/\s+/);
    if (f.length < 6) continue;
    const [addr, , plen, , flags, iface] = f as [string, string, string, string, string, string];
    if (!HEX32.test(addr) || !/^[0-9a-fA-F]+$/.test(plen + flags)) continue;
    const fl = parseInt(flags, 16);
    if (fl & (IFA_F_DADFAILED | IFA_F_DEPRECATED | IFA_F_TENTATIVE)) continue;
    out.push({ iface, address: bigIntToIpv6(BigInt(`0x${addr}`)), family: 'ipv6', prefixLength: parseInt(plen, 16), temporary: (fl & IFA_F_TEMPORARY) !== 0 });
  }
  return out
    .sort((a, b) => Number(a.temporary) - Number(b.temporary))
    .map(({ temporary: _t, ...a }) => a);
}

/** Dotted text of an IPv4 route value (for provenance detail). */
export function routeIpv4Text(v: bigint): string {
  return bigIntToIpv4(v);
}
