import type { RootFs } from './root-fs.js';
import type { CollectionSpec } from './spec.js';

/** What the collector knows about one network interface. */
export interface InterfaceInfo {
  readonly name: string;
  /** Null when /sys/class/net has no state for it. */
  readonly up: boolean | null;
  /** Why the spec excludes it, or null. */
  readonly excluded: string | null;
}

const IFF_UP = 0x1;

const compiled = new WeakMap<CollectionSpec, { re: RegExp; regex: string }[]>();

function excludes(spec: CollectionSpec) {
  let list = compiled.get(spec);
  if (!list) {
    list = spec.ip.excludeInterfaces.map((e) => ({ re: new RegExp(e.regex), regex: e.regex }));
    compiled.set(spec, list);
  }
  return list;
}

/** Interface names that are bond slaves, from both sides of the bonding sysfs link. */
function bondSlaves(fs: RootFs, names: readonly string[]): Set<string> {
  const slaves = new Set<string>();
  for (const name of names) {
    if (fs.exists(`/sys/class/net/${name}/bonding_slave`)) slaves.add(name);
    const list = fs.firstLine(`/sys/class/net/${name}/bonding/slaves`);
    if (list) for (const s of list.split(/\s+/)) if (s) slaves.add(s);
  }
  return slaves;
}

/**
 * Describe every interface seen in /sys/class/net or in the address tables: whether it is
 * up and whether the spec excludes it (name pattern or bond slave).
 */
export function describeInterfaces(fs: RootFs, spec: CollectionSpec, extraNames: Iterable<string>): Map<string, InterfaceInfo> {
  const names = [...new Set([...fs.list('/sys/class/net'), ...extraNames])].sort();
  const slaves = spec.ip.excludeBondSlaves ? bondSlaves(fs, names) : new Set<string>();
  const out = new Map<string, InterfaceInfo>();
  for (const name of names) {
    let excluded: string | null = null;
    const hit = excludes(spec).find((e) => e.re.test(name));
    if (hit) excluded = `name matches ${hit.regex}`;
    else if (slaves.has(name)) excluded = 'bond slave';
    out.set(name, { name, up: isUp(fs, name), excluded });
  }
  return out;
}

function isUp(fs: RootFs, name: string): boolean | null {
  const flags = fs.firstLine(`/sys/class/net/${name}/flags`);
  if (flags && /^0x[0-9a-f]+$/i.test(flags)) return (parseInt(flags, 16) & IFF_UP) !== 0;
  const state = fs.firstLine(`/sys/class/net/${name}/operstate`);
  if (state === 'down' || state === 'lowerlayerdown' || state === 'notpresent') return false;
  if (state === 'up' || state === 'unknown' || state === 'dormant') return true;
  return null;
}
