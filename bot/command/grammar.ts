import { StarlingError } from '../../core/index.js';
import { closestMatch } from './closest-match.js';
import { detectTarget, type HostTarget } from './target.js';

/** The command verbs, by canonical English name. */
export const VERBS = ['diag', 'host', 'task', 'err', 'cmdb', 'reconcile', 'help'] as const;
/** A canonical verb. */
export type Verb = (typeof VERBS)[number];

/** Every spelling of each verb: English first, then Chinese. */
export const VERB_ALIASES: Readonly<Record<Verb, readonly string[]>> = {
  diag: ['diag', 'diagnose', '诊断'],
  host: ['host', '主机'],
  task: ['task', '任务'],
  err: ['err', 'error', '错误码'],
  cmdb: ['cmdb'],
  reconcile: ['reconcile', '对账'],
  help: ['help', '帮助', '?', '？'],
};

/** One line of usage per verb, shown by help and in argument errors. */
export const USAGE: Readonly<Record<Verb, string>> = {
  diag: 'diag|诊断 {ip|sn|hostname} — is the host reachable, ssh, disk, load, crashed, agent?',
  host: 'host|主机 {ip|sn|hostname} — facts, agent state and owner of a host',
  task: 'task|任务 {id} — state counts of a task and its failed hosts with codes',
  err: 'err|错误码 {code} — what an error code means and what to do',
  cmdb: 'cmdb {ip|sn|hostname} — CMDB record against the agent\'s facts',
  reconcile: 'reconcile|对账 last|run — the last CMDB reconciliation (default), or start one (acting)',
  help: 'help|帮助 {command} — this list, or one command',
};

/** Verbs that change state; they are off unless explicitly enabled. */
export function isActing(cmd: Command): boolean {
  return cmd.verb === 'reconcile' && cmd.action === 'run';
}

/** A parsed command. */
export type Command =
  | { verb: 'diag'; target: HostTarget }
  | { verb: 'host'; target: HostTarget }
  | { verb: 'cmdb'; target: HostTarget }
  | { verb: 'task'; taskId: string }
  | { verb: 'err'; code: string }
  | { verb: 'reconcile'; action: 'run' | 'last' }
  | { verb: 'help'; topic?: Verb | undefined };

const ALIAS_TO_VERB = new Map<string, Verb>(
  (Object.entries(VERB_ALIASES) as [Verb, readonly string[]][]).flatMap(([verb, names]) => names.map((n) => [n, verb] as const)),
);
const ALL_ALIASES = [...ALIAS_TO_VERB.keys()].filter((a) => a !== '?' && a !== '？');
const CHINESE_ALIASES = ALL_ALIASES.filter((a) => /[^\x00-\x7f]/.test(a)).sort((x, y) => y.length - x.length);
const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const RUN_WORDS = new Set(['run', 'start', '运行', '执行', '开始']);
const LAST_WORDS = new Set(['last', 'latest', 'show', '最近', '上次', '结果']);

/** Longest command text considered; anything beyond is ignored (a chat line, not a document). */
export const MAX_COMMAND_CHARS = 500;

/**
 * Reduce a chat message to the command words: drop leading @-mentions (DingTalk strips the
 * robot's own but keeps others), a leading slash, and surrounding (also full-width) spaces.
 */
export function commandWords(text: string): string[] {
  const words = text.slice(0, MAX_COMMAND_CHARS).replace(/[\u3000\u00a0]/g, ' ').trim().split(/\s+/).filter((w) => w.length > 0);
  while (words.length > 0 && words[0]!.startsWith('@')) words.shift();
  if (words.length > 0 && words[0]!.startsWith('/')) words[0] = words[0]!.slice(1);
  if (words[0] === '') words.shift();
  // Chinese users often omit the space: `诊断10.1.2.3`.
  const first = words[0];
  if (first !== undefined && !ALIAS_TO_VERB.has(first)) {
    const glued = CHINESE_ALIASES.find((a) => first.startsWith(a));
    if (glued) words.splice(0, 1, glued, first.slice(glued.length));
  }
  return words;
}

function needArgument(verb: Verb, argument: string): never {
  throw new StarlingError('BOT-USR-MISSING_ARGUMENT', { command: verb, argument, usage: USAGE[verb] });
}

/** Resolve a typed verb to its canonical form, or undefined. */
export function resolveVerb(word: string): Verb | undefined {
  return ALIAS_TO_VERB.get(word.toLowerCase());
}

/** The hint appended to an unknown-command error: the closest verb, if any. */
export function suggestVerb(word: string): string | undefined {
  const alias = closestMatch(word, ALL_ALIASES);
  return alias === undefined ? undefined : alias;
}

/**
 * Parse a chat message into a command. An empty message (only the @-mention) is `help`.
 * Throws BOT-USR-UNKNOWN_COMMAND (with the closest verb), BOT-USR-MISSING_ARGUMENT,
 * BOT-USR-BAD_TARGET or BOT-USR-BAD_ARGUMENT.
 */
export function parseCommand(text: string): Command {
  const words = commandWords(text);
  if (words.length === 0) return { verb: 'help' };
  const [word, ...args] = words as [string, ...string[]];
  const verb = resolveVerb(word);
  if (verb === undefined) {
    const suggestion = suggestVerb(word);
    throw new StarlingError(
      'BOT-USR-UNKNOWN_COMMAND',
      { command: word.slice(0, 40), hint: suggestion ? ` Did you mean "${suggestion}"?` : '' },
      { suggestion: suggestion ? resolveVerb(suggestion) : undefined },
    );
  }
  const arg = args[0];
  switch (verb) {
    case 'diag':
    case 'host':
    case 'cmdb':
      if (arg === undefined) needArgument(verb, 'a host (IP, SN or host name)');
      return { verb, target: detectTarget(arg) };
    case 'task':
      if (arg === undefined) needArgument(verb, 'a task id');
      if (!TASK_ID.test(arg)) {
        throw new StarlingError('BOT-USR-BAD_ARGUMENT', { argument: 'task id', value: arg.slice(0, 80), reason: 'letters, digits, - and _ only, at most 64' });
      }
      return { verb, taskId: arg };
    case 'err':
      if (arg === undefined) needArgument(verb, 'an error code');
      return { verb, code: arg.toUpperCase().slice(0, 80) };
    case 'reconcile': {
      if (arg === undefined || LAST_WORDS.has(arg.toLowerCase())) return { verb, action: 'last' };
      if (RUN_WORDS.has(arg.toLowerCase())) return { verb, action: 'run' };
      throw new StarlingError('BOT-USR-BAD_ARGUMENT', { argument: 'reconcile action', value: arg.slice(0, 40), reason: 'use "last" or "run"' });
    }
    case 'help':
      return { verb, topic: arg === undefined ? undefined : resolveVerb(arg) };
  }
}
