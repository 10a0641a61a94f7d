import { errorEntry, type Category, type ErrorCode } from '../../core/index.js';
import type { CheckName, CheckResult } from '../types.js';
import { VERDICT_RULES, type Bilingual, type RuleCondition, type VerdictRule } from './rules.js';

/** The owner of a host as the CMDB or the host record says. */
export interface OwnerInfo {
  name: string;
  dingtalkUserId: string | null;
  mobile: string | null;
  email: string | null;
  /** Where the owner came from. */
  source: 'cmdb' | 'host';
}

/** The answer to "why, and who owns it". */
export interface Verdict {
  outcome: 'fault' | 'healthy' | 'inconclusive';
  /** Catalogued code; null when healthy. */
  code: ErrorCode | null;
  category: Category | null;
  /** The rule that fired. */
  rule: string;
  cause: Bilingual;
  action: Bilingual;
  /** The results of the checks that decided, first; then every other check's result. */
  evidence: CheckResult[];
  owner: OwnerInfo | null;
  /** "no owner on record" when there is none; else the owner's name and contacts in words. */
  ownerText: string;
  /** Checks that could not decide (status unknown). */
  inconclusive: CheckName[];
  /** The run's error code the verdict was asked about, if any. */
  runCode: string | null;
}

/** What the verdict is decided from. */
export interface VerdictInput {
  /** How the host is named in words (hostname, IP or the target as given). */
  host: string;
  checks: CheckResult[];
  owner: OwnerInfo | null;
  runCode?: string | null;
}

function holds(c: RuleCondition, byName: Map<CheckName, CheckResult>): boolean {
  const r = byName.get(c.check);
  if (!r) return false;
  if (c.status && !c.status.includes(r.status)) return false;
  if (c.finding && !c.finding.includes(r.finding ?? '')) return false;
  return true;
}

/** True when the rule's conditions hold for these results and run code. */
export function ruleMatches(rule: VerdictRule, byName: Map<CheckName, CheckResult>, runCode: string | null): boolean {
  if (rule.runCodes && (!runCode || !rule.runCodes.includes(runCode))) return false;
  if (rule.all && !rule.all.every((c) => holds(c, byName))) return false;
  if (rule.none && rule.none.some((c) => holds(c, byName))) return false;
  return true;
}

/** Fill `{host}` and `{check.field}` placeholders from the check results. */
export function fillTemplate(template: string, host: string, byName: Map<CheckName, CheckResult>): string {
  return template.replace(/\{([a-z]+)(?:\.([A-Za-z0-9_]+))?\}/g, (whole, a: string, b: string | undefined) => {
    if (a === 'host' && !b) return host;
    const r = byName.get(a as CheckName);
    if (!r || !b) return whole;
    const v = b === 'summary' ? r.summary : r.evidence[b];
    return v === undefined || v === null ? '?' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

/** Describe the owner in words; an absent owner is stated, never left blank. */
export function describeOwner(owner: OwnerInfo | null): string {
  if (!owner) return 'no owner on record';
  const contacts = [owner.dingtalkUserId && `DingTalk ${owner.dingtalkUserId}`, owner.mobile && `mobile ${owner.mobile}`, owner.email && `email ${owner.email}`].filter(Boolean);
  return contacts.length > 0 ? `${owner.name} (${contacts.join(', ')})` : owner.name;
}

/**
 * Walk the ordered rule table and return the first matching rule's verdict, with its
 * evidence, owner and the checks that could not decide.
 */
export function decideVerdict(input: VerdictInput, rules: readonly VerdictRule[] = VERDICT_RULES): Verdict {
  const byName = new Map(input.checks.map((c) => [c.check, c] as const));
  const runCode = input.runCode ?? null;
  const rule = rules.find((r) => ruleMatches(r, byName, runCode)) ?? rules[rules.length - 1]!;
  const decisive = rule.evidence.map((n) => byName.get(n)).filter((r): r is CheckResult => !!r);
  const rest = input.checks.filter((c) => !rule.evidence.includes(c.check));
  return {
    outcome: rule.outcome,
    code: rule.code,
    category: rule.code ? errorEntry(rule.code).category : null,
    rule: rule.name,
    cause: { en: fillTemplate(rule.cause.en, input.host, byName), zh: fillTemplate(rule.cause.zh, input.host, byName) },
    action: { en: fillTemplate(rule.action.en, input.host, byName), zh: fillTemplate(rule.action.zh, input.host, byName) },
    evidence: [...decisive, ...rest],
    owner: input.owner,
    ownerText: describeOwner(input.owner),
    inconclusive: input.checks.filter((c) => c.status === 'unknown').map((c) => c.check),
    runCode,
  };
}
