import { isIPv4, isIPv6 } from 'node:net';
import { StarlingError } from '../../core/index.js';

/** How a host was named in a command. */
export type TargetKind = 'ipv4' | 'ipv6' | 'sn' | 'hostname';

/** A host as named by the user, with its detected kind. */
export interface HostTarget {
  kind: TargetKind;
  /** Normalised value: IPv6 lower-cased without brackets, SN upper-cased, host name lower-cased. */
  value: string;
  /** Exactly what the user typed. */
  raw: string;
}

const SN = /^[A-Z0-9][A-Z0-9-]{3,63}$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_TARGET_LENGTH = 253;

function isHostname(s: string): boolean {
  if (s.length === 0 || s.length > MAX_TARGET_LENGTH) return false;
  const labels = s.replace(/\.$/, '').split('.');
  // A name made only of digits and dots is a malformed IP address, not a host name.
  if (labels.every((l) => /^\d+$/.test(l))) return false;
  return labels.every((l) => LABEL.test(l));
}

function looksLikeSerial(s: string): boolean {
  // Serial numbers are upper-case letters and digits (dashes allowed) and contain a digit;
  // host names are conventionally lower-case, so `WEB01` is an SN and `web01` a host name.
  return SN.test(s) && /\d/.test(s) && /[A-Z]/.test(s) && !s.includes('.');
}

/**
 * Detect what kind of host identifier a string is: an IPv4 or IPv6 address, a serial number
 * or a host name. `sn:`, `host:` and `ip:` prefixes force the kind. Throws BOT-USR-BAD_TARGET
 * when the string is none of them.
 */
export function detectTarget(input: string): HostTarget {
  const raw = input.trim();
  const bad = () => new StarlingError('BOT-USR-BAD_TARGET', { target: raw.slice(0, 80) });
  if (raw.length === 0 || raw.length > MAX_TARGET_LENGTH + 5) throw bad();
  const prefixed = /^(sn|host|hostname|ip):(.+)$/i.exec(raw);
  if (prefixed) {
    const forced = prefixed[1]!.toLowerCase();
    const rest = prefixed[2]!.trim();
    if (forced === 'sn') {
      if (!SN.test(rest.toUpperCase())) throw bad();
      return { kind: 'sn', value: rest.toUpperCase(), raw };
    }
    if (forced === 'ip') {
      const t = detectTarget(rest);
      if (t.kind !== 'ipv4' && t.kind !== 'ipv6') throw bad();
      return { ...t, raw };
    }
    if (!isHostname(rest.toLowerCase())) throw bad();
    return { kind: 'hostname', value: rest.toLowerCase().replace(/\.$/, ''), raw };
  }
  if (isIPv4(raw)) return { kind: 'ipv4', value: raw, raw };
  const unbracketed = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  if (isIPv6(unbracketed)) return { kind: 'ipv6', value: unbracketed.toLowerCase(), raw };
  if (looksLikeSerial(raw)) return { kind: 'sn', value: raw, raw };
  const lower = raw.toLowerCase();
  if (isHostname(lower)) return { kind: 'hostname', value: lower.replace(/\.$/, ''), raw };
  throw bad();
}
