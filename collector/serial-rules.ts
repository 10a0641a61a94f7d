import { CURRENT_SPEC, type CollectionSpec } from './spec.js';

/** Why a serial value is not usable, with the spec entry that said so. */
export interface PlaceholderVerdict {
  /** Human-readable reason, e.g. `placeholder "To Be Filled By O.E.M."`. */
  readonly reason: string;
  /** The spec entry's source. */
  readonly source: string;
}

interface CompiledRules {
  exact: Map<string, string>;
  patterns: { re: RegExp; reason: string; source: string }[];
  normalize: { id: string; re: RegExp }[];
}

const compiled = new WeakMap<CollectionSpec, CompiledRules>();

/** Trim, collapse inner whitespace and lower-case: the form placeholder lists are compared in. */
export function foldSerial(value: string): string {
  return value.trim().replace(/\s+/g, ' ').toLowerCase();
}

function rulesOf(spec: CollectionSpec): CompiledRules {
  let rules = compiled.get(spec);
  if (!rules) {
    const p = spec.serial.placeholders;
    rules = {
      exact: new Map(p.exact.map((e) => [foldSerial(e.value), e.source])),
      patterns: p.patterns.map((e) => ({ re: new RegExp(e.regex, 'i'), reason: e.reason, source: e.source })),
      normalize: spec.serial.normalize.map((n) => ({ id: n.id, re: new RegExp(n.match, 'i') })),
    };
    compiled.set(spec, rules);
  }
  return rules;
}

/**
 * Judge a raw serial against the spec's placeholder list (case- and whitespace-insensitive).
 * Returns null for a usable value, else the reason it is junk.
 */
export function checkPlaceholder(raw: string, spec: CollectionSpec = CURRENT_SPEC): PlaceholderVerdict | null {
  const folded = foldSerial(raw);
  if (folded === '') return { reason: 'empty', source: 'Starling rule: an empty value is no serial' };
  if (spec.serial.placeholders.rejectControlCharacters && /[\u0000-\u001f\u007f]/.test(folded)) {
    return { reason: 'contains control characters', source: 'Starling rule: spec serial.placeholders.rejectControlCharacters' };
  }
  const rules = rulesOf(spec);
  const exact = rules.exact.get(folded);
  if (exact !== undefined) return { reason: `placeholder "${raw.trim()}"`, source: exact };
  for (const p of rules.patterns) {
    if (p.re.test(folded)) return { reason: p.reason, source: p.source };
  }
  return null;
}

/** A serial in its canonical form, and which normalisation rule produced it. */
export interface NormalizedSerial {
  readonly value: string;
  /** The spec's normalize rule id (`vmware`, `hyperv`), or `case-fold` / `trim`. */
  readonly rule: string;
}

/**
 * Put a serial in the canonical form both sides are compared in: VMware and Hyper-V serials
 * are reformatted per the spec; anything else is trimmed, inner whitespace collapsed and
 * case-folded as the spec says. The CMDB importer uses the same function, so a CMDB that
 * stores `VMware-42 1a …` and an agent that reports `vmware-421a…` agree.
 */
export function normalizeSerial(raw: string, spec: CollectionSpec = CURRENT_SPEC): NormalizedSerial {
  const trimmed = raw.trim().replace(/\s+/g, ' ');
  for (const rule of rulesOf(spec).normalize) {
    const m = rule.re.exec(trimmed);
    if (!m) continue;
    if (rule.id === 'vmware') {
      return { value: `VMware-${(m[1] ?? '').replace(/[ -]/g, '').toLowerCase()}`, rule: 'vmware' };
    }
    if (rule.id === 'hyperv') return { value: m.slice(1, 8).join('-'), rule: 'hyperv' };
  }
  if (spec.serial.caseFold === 'upper') return { value: trimmed.toUpperCase(), rule: 'case-fold' };
  return { value: trimmed, rule: 'trim' };
}
