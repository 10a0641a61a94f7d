import { dmiValue, parseDmidecode, runDmidecode } from './dmidecode.js';
import type { RejectedValue, SerialFact, UnreadSource } from './facts.js';
import type { RootFs } from './root-fs.js';
import { checkPlaceholder, normalizeSerial } from './serial-rules.js';
import type { CollectionSpec } from './spec.js';

/** Options of {@link collectSerial}. */
export interface CollectSerialOptions {
  /**
   * Produces dmidecode output when the spec asks for it. Default: run `dmidecode` when the
   * root is `/`, else read the spec's `capturedPath` under the root.
   */
  dmidecode?: (() => string | null) | undefined;
}

/**
 * Apply the spec's serial sources in order and return the first valid serial, normalised,
 * with its provenance; or an explicit "no valid SN" with every rejected value and unread
 * source.
 */
export function collectSerial(fs: RootFs, spec: CollectionSpec, options: CollectSerialOptions = {}): SerialFact {
  const rejected: RejectedValue[] = [];
  const unread: UnreadSource[] = [];
  let sysfsReadable = false;
  const accept = (source: string, raw: string, path: string | undefined): SerialFact | null => {
    const verdict = checkPlaceholder(raw, spec);
    if (verdict) {
      rejected.push({ source, raw: raw.trim(), reason: verdict.reason, rule: verdict.source });
      return null;
    }
    const n = normalizeSerial(raw, spec);
    return {
      value: n.value, raw: raw.trim(), normalization: n.rule, source, specVersion: spec.version,
      ...(path ? { path } : {}), rejected, unread,
    };
  };

  for (const src of spec.serial.sources) {
    if (src.kind === 'file' && src.path) {
      const r = fs.read(src.path);
      if (!r.ok) {
        // A missing override is the normal case, not worth reporting.
        if (src.id !== 'override') unread.push({ source: src.id, path: src.path, reason: r.reason });
        continue;
      }
      if (src.path.startsWith('/sys/')) sysfsReadable = true;
      const won = accept(src.id, r.text, src.path);
      if (won) return won;
      continue;
    }
    if (src.kind === 'dmidecode') {
      if (src.onlyWhenSysfsUnreadable && sysfsReadable) continue;
      const text = options.dmidecode
        ? options.dmidecode()
        : fs.root === '/'
          ? runDmidecode()
          : (() => {
              const r = src.capturedPath ? fs.read(src.capturedPath) : null;
              return r && r.ok ? r.text : null;
            })();
      if (text === null) {
        unread.push({ source: src.id, path: fs.root === '/' ? 'dmidecode' : (src.capturedPath ?? 'dmidecode'), reason: 'failed' });
        continue;
      }
      const records = parseDmidecode(text);
      for (const section of src.sections ?? []) {
        const raw = dmiValue(records, section.handle, section.key);
        if (raw === undefined) continue;
        const won = accept(section.as, raw, fs.root === '/' ? undefined : src.capturedPath);
        if (won) return won;
      }
    }
  }
  const reason = rejected.length > 0 ? 'placeholder' : unread.some((u) => u.reason !== 'missing') ? 'unreadable' : 'absent';
  return { value: null, source: 'none', specVersion: spec.version, reason, code: 'CMDB-ENV-NO_VALID_SN', rejected, unread };
}
