import { collectIp } from './collect-ip.js';
import { collectSerial } from './collect-serial.js';
import type { CollectedFacts, TextFact } from './facts.js';
import { RootFs } from './root-fs.js';
import { CURRENT_SPEC, type CollectionSpec } from './spec.js';

/** Options of {@link collectFacts}. */
export interface CollectFactsOptions {
  /** Directory holding the machine's /sys, /proc and /etc. Default `/` (the live host). */
  root?: string | undefined;
  /** Spec to apply. Default the current spec (v1). */
  spec?: CollectionSpec | undefined;
  /** dmidecode output provider. Default: run dmidecode on `/`, read the spec's captured file under another root. */
  dmidecode?: (() => string | null) | undefined;
  /** Byte order of /proc/net/route. Default the running host's. */
  endianness?: 'LE' | 'BE' | undefined;
}

function collectHostname(fs: RootFs, spec: CollectionSpec): TextFact {
  for (const src of spec.hostname.sources) {
    const line = fs.firstLine(src.path);
    if (line && line !== '(none)' && line !== 'localhost') return { value: line.toLowerCase(), source: src.id, specVersion: spec.version, path: src.path };
  }
  return { value: null, source: 'none', specVersion: spec.version };
}

function collectPlatform(fs: RootFs, spec: CollectionSpec): TextFact {
  const vendor = fs.firstLine(spec.platform.paths.sysVendor) ?? '';
  const product = fs.firstLine(spec.platform.paths.productName) ?? '';
  for (const rule of spec.platform.rules) {
    if (rule.sysVendor && !new RegExp(rule.sysVendor, 'i').test(vendor)) continue;
    if (rule.productName && !new RegExp(rule.productName, 'i').test(product)) continue;
    return { value: rule.kind, source: 'dmi:sys_vendor+product_name', specVersion: spec.version, path: spec.platform.paths.sysVendor };
  }
  return { value: null, source: vendor || product ? 'dmi:sys_vendor+product_name' : 'none', specVersion: spec.version };
}

/**
 * Collect the machine's identity facts (SN, primary IP, hostname, platform) by applying the
 * collection spec to the files under `root`. Synchronous and dependency-free: it reads a few
 * small files and, only when sysfs DMI is unreadable on a live host, runs dmidecode once.
 */
export function collectFacts(options: CollectFactsOptions = {}): CollectedFacts {
  const spec = options.spec ?? CURRENT_SPEC;
  const fs = new RootFs(options.root ?? '/');
  const sn = collectSerial(fs, spec, { dmidecode: options.dmidecode });
  const { ip, addresses, interfaces } = collectIp(fs, spec, { endianness: options.endianness });
  return {
    specVersion: spec.version,
    sn,
    ip,
    hostname: collectHostname(fs, spec),
    platform: collectPlatform(fs, spec),
    addresses,
    excludedInterfaces: [...interfaces.values()].filter((i) => i.excluded).map((i) => ({ iface: i.name, reason: i.excluded! })),
  };
}
