import { isIP } from 'node:net';

/**
 * Small IP helpers over bigint, enough for prefix checks and ordering without a dependency.
 * IPv4 values are 32-bit, IPv6 values 128-bit.
 */

/** Parse a dotted IPv4 address to a number; null when invalid. */
export function ipv4ToBigInt(ip: string): bigint | null {
  if (isIP(ip) !== 4) return null;
  return ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

/** Dotted form of a 32-bit value. */
export function bigIntToIpv4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => Number((v >> s) & 0xffn)).join('.');
}

/** Parse an IPv6 address (any valid textual form) to a 128-bit value; null when invalid. */
export function ipv6ToBigInt(ip: string): bigint | null {
  if (isIP(ip) !== 6) return null;
  let text = ip.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4 && v4[1]) {
    const n = ipv4ToBigInt(v4[1]) ?? 0n;
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const missing = 8 - h.length - t.length;
  const groups = tail === undefined ? h : [...h, ...Array<string>(missing).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Canonical (RFC 5952) text of a 128-bit value: lower-case, longest zero run compressed. */
export function bigIntToIpv6(v: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text of any valid IP (IPv6 compressed lower-case); null when not an IP. */
export function canonicalIp(ip: string): string | null {
  const s = ip.trim();
  const fam = isIP(s.split('%')[0] ?? '');
  if (fam === 4) return s;
  if (fam === 6) {
    const v = ipv6ToBigInt(s);
    return v === null ? null : bigIntToIpv6(v);
  }
  return null;
}

/** A parsed CIDR range. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly prefix: number;
}

/** Parse `addr/len`; throws on a malformed range (spec data is trusted, so this is a bug). */
export function parseCidr(cidr: string): Cidr {
  const [addr = '', len = ''] = cidr.split('/');
  const family = isIP(addr);
  const prefix = Number(len);
  const base = family === 4 ? ipv4ToBigInt(addr) : ipv6ToBigInt(addr);
  if ((family !== 4 && family !== 6) || base === null || !Number.isInteger(prefix)) throw new Error(`bad CIDR ${cidr}`);
  return { family, base, prefix };
}

/** Whether `ip` lies in `range`. */
export function cidrContains(range: Cidr, ip: string): boolean {
  const fam = isIP(ip.split('%')[0] ?? '');
  if (fam !== range.family) return false;
  const v = fam === 4 ? ipv4ToBigInt(ip) : ipv6ToBigInt(ip);
  if (v === null) return false;
  const bits = BigInt(fam === 4 ? 32 : 128);
  const shift = bits - BigInt(range.prefix);
  return v >> shift === range.base >> shift;
}
