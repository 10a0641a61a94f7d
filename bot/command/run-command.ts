import { isStarlingError, lookupErrorCode, listErrorCodes, StarlingError } from '../../core/index.js';
import type { Reply, ReplyBlock } from '../render/reply.js';
import { authorizeCommand, type AccessPolicy, type Asker } from './access.js';
import { closestMatch } from './closest-match.js';
import { parseCommand, USAGE, VERBS, type Command, type Verb } from './grammar.js';
import type { BotServices, CheckView, OwnerView, Requester } from './services.js';
import type { HostTarget } from './target.js';

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  services: BotServices;
  policy: AccessPolicy;
  /** Public base URL of the API for links to full records; default none (no links). */
  linkBase?: string | undefined;
  /** Upper bound on one command's service call, ms; default 20,000. */
  timeoutMs?: number;
  /** Aborts the command (shutdown). */
  signal?: AbortSignal;
}

/** Who sent the message and where: the asker plus display fields for audit. */
export interface CommandOrigin extends Asker {
  platform: string;
  senderName: string;
}

/** The help reply: every command's usage, optionally led by a message. */
export function helpReply(lead?: string, topic?: Verb): Reply {
  const blocks: ReplyBlock[] = [];
  if (lead) blocks.push({ kind: 'text', text: lead, bold: true });
  blocks.push({ kind: 'heading', text: 'Starling commands' });
  blocks.push({ kind: 'list', items: topic ? [USAGE[topic]] : VERBS.map((v) => USAGE[v]) });
  blocks.push({ kind: 'text', text: 'Example: diag 10.1.2.3 · 诊断 web-01 · err AGENT-ENV-DISK_FULL' });
  return { title: 'Starling help', blocks };
}

/** The reply for a catalogued error: code, message, remedy; unknown commands also get the help list. */
export function errorReply(err: StarlingError): Reply {
  const blocks: ReplyBlock[] = [
    { kind: 'text', text: err.code, bold: true },
    { kind: 'text', text: err.message },
    { kind: 'text', text: err.entry.remedy },
  ];
  if (err.code === 'BOT-USR-UNKNOWN_COMMAND' || err.code === 'BOT-USR-UNSUPPORTED_MESSAGE') {
    blocks.push(...helpReply().blocks);
  }
  return { title: `Starling: ${err.entry.title}`, blocks, code: err.code };
}

function unavailable(feature: string): never {
  throw new StarlingError('BOT-SYS-FEATURE_UNAVAILABLE', { feature });
}

function notFound(kind: string, id: string): never {
  throw new StarlingError('BOT-USR-NOT_FOUND', { kind, id });
}

function describeTarget(t: HostTarget): string {
  const names = { ipv4: 'IPv4', ipv6: 'IPv6', sn: 'SN', hostname: 'host name' } as const;
  return `${t.value} (${names[t.kind]})`;
}

function ownerLine(owner: OwnerView | undefined): ReplyBlock[] {
  if (!owner) return [];
  const who = owner.name ?? [...(owner.userIds ?? []), ...(owner.mobiles ?? [])].join(', ');
  return who ? [{ kind: 'fields', fields: [['Owner', who]] }] : [];
}

function link(base: string | undefined, path: string, text: string): ReplyBlock[] {
  if (!base) return [];
  return [{ kind: 'link', text, url: `${base.replace(/\/+$/, '')}${path}` }];
}

function checkLine(c: CheckView): string {
  const mark = c.status === 'ok' ? 'OK' : c.status === 'fail' ? 'FAIL' : '?';
  return `${c.name}: ${mark}${c.detail ? ` — ${c.detail}` : ''}`;
}

async function execute(cmd: Command, origin: CommandOrigin, o: RunCommandOptions, signal: AbortSignal): Promise<Reply> {
  const s = o.services;
  switch (cmd.verb) {
    case 'help':
      return helpReply(undefined, cmd.topic);
    case 'err': {
      const entry = lookupErrorCode(cmd.code);
      if (!entry) {
        const near = closestMatch(cmd.code, listErrorCodes().map((e) => e.code));
        throw new StarlingError('BOT-USR-ERROR_CODE_UNKNOWN', { code: cmd.code, hint: near ? ` Did you mean ${near}?` : '' });
      }
      return {
        title: entry.code,
        code: entry.code,
        blocks: [
          { kind: 'heading', text: entry.code },
          { kind: 'text', text: entry.title, bold: true },
          { kind: 'text', text: entry.message },
          { kind: 'fields', fields: [['Remedy', entry.remedy], ['Who acts', entry.actor], ['Retryable', entry.retryable ? 'yes' : 'no'], ['HTTP status', String(entry.status)]] },
        ],
      };
    }
    case 'diag': {
      if (!s.diagnoseHost) unavailable('diagnostics (diag)');
      const d = (await s.diagnoseHost(cmd.target, signal)) ?? notFound('host', cmd.target.raw);
      const blocks: ReplyBlock[] = [
        { kind: 'heading', text: `diag ${d.host}` },
        { kind: 'text', text: d.code ? `Verdict: ${d.code}` : 'Verdict: healthy', bold: true },
        { kind: 'fields', fields: [['Cause', d.cause], ...(d.action ? [['Action', d.action] as const] : [])] },
        { kind: 'list', items: d.checks.map(checkLine) },
        ...ownerLine(d.owner),
        ...(d.id ? link(o.linkBase, `/v1/diagnoses/${encodeURIComponent(d.id)}`, 'Full diagnosis') : []),
      ];
      return { title: `diag ${d.host}: ${d.code ?? 'healthy'}`, blocks, code: d.code, mention: d.owner };
    }
    case 'host': {
      if (!s.lookupHost) unavailable('host lookup (host)');
      const h = (await s.lookupHost(cmd.target, signal)) ?? notFound('host', describeTarget(cmd.target));
      const fields: Array<readonly [string, string]> = [];
      if (h.ip) fields.push(['IP', h.ip]);
      if (h.sn) fields.push(['SN', h.sn]);
      if (h.idc) fields.push(['IDC', h.idc]);
      fields.push(['Agent', `${h.agent.state}${h.agent.version ? ` ${h.agent.version}` : ''}${h.agent.lastSeen ? `, last seen ${h.agent.lastSeen}` : ''}`]);
      for (const [k, v] of Object.entries(h.facts ?? {}).slice(0, 30)) fields.push([k, v]);
      return {
        title: `host ${h.host}`,
        blocks: [{ kind: 'heading', text: `host ${h.host}` }, { kind: 'fields', fields }, ...ownerLine(h.owner)],
        mention: h.owner,
      };
    }
    case 'task': {
      if (!s.lookupTask) unavailable('task lookup (task)');
      const t = (await s.lookupTask(cmd.taskId, signal)) ?? notFound('task', cmd.taskId);
      const counts = Object.entries(t.counts).map(([k, v]) => `${k} ${v}`).join(' · ');
      const blocks: ReplyBlock[] = [
        { kind: 'heading', text: `task ${t.id}: ${t.state}` },
        { kind: 'text', text: counts || 'no runs' },
      ];
      if (t.failed.length > 0) {
        blocks.push({ kind: 'text', text: 'Failed hosts', bold: true });
        blocks.push({ kind: 'list', items: t.failed.map((f) => `${f.host}: ${f.code}${f.message ? ` — ${f.message}` : ''}`) });
        if (t.moreFailed) blocks.push({ kind: 'text', text: `… and ${t.moreFailed} more` });
      }
      blocks.push(...link(o.linkBase, `/v1/tasks/${encodeURIComponent(t.id)}`, 'Full task'));
      return { title: `task ${t.id}: ${t.state}`, blocks };
    }
    case 'cmdb': {
      if (!s.compareCmdb) unavailable('CMDB comparison (cmdb)');
      const c = (await s.compareCmdb(cmd.target, signal)) ?? notFound('host', describeTarget(cmd.target));
      const blocks: ReplyBlock[] = [
        { kind: 'heading', text: `cmdb ${c.host}` },
        { kind: 'list', items: c.fields.map((f) => `${f.match ? 'OK' : 'DIFF'} ${f.field}: CMDB ${f.cmdb ?? '(none)'} / agent ${f.agent ?? '(none)'}`) },
      ];
      if (c.findings && c.findings.length > 0) blocks.push({ kind: 'list', items: c.findings.map((f) => `${f.code}: ${f.message}`) });
      blocks.push(...ownerLine(c.owner));
      return { title: `cmdb ${c.host}`, blocks, mention: c.owner, code: c.findings?.[0]?.code };
    }
    case 'reconcile': {
      const requester: Requester = { platform: origin.platform, senderId: origin.senderId, senderName: origin.senderName, conversationId: origin.conversationId };
      const r =
        cmd.action === 'run'
          ? await (s.runReconcile ?? unavailable('CMDB reconciliation (reconcile run)'))(requester, signal)
          : ((await (s.lastReconcile ?? unavailable('CMDB reconciliation (reconcile last)'))(signal)) ?? notFound('reconciliation run', 'last'));
      const findings = Object.entries(r.findings).map(([k, v]) => `${k}: ${v}`);
      return {
        title: `reconcile ${r.id}: ${r.state}`,
        blocks: [
          { kind: 'heading', text: `reconcile ${r.id}: ${r.state}` },
          { kind: 'fields', fields: [['Started', r.startedAt ?? '-'], ['Finished', r.finishedAt ?? '-']] },
          { kind: 'list', items: findings.length > 0 ? findings : ['no findings'] },
        ],
      };
    }
  }
}

/**
 * The command core: parse a chat message, check the allow-lists, call the injected service and
 * shape the answer as a platform-neutral {@link Reply}. Never throws for user input or service
 * failures: every failure becomes a reply naming its catalogued code.
 */
export async function runCommand(text: string, origin: CommandOrigin, options: RunCommandOptions): Promise<Reply> {
  let cmd: Command;
  try {
    cmd = parseCommand(text);
    authorizeCommand(options.policy, origin, cmd);
  } catch (err) {
    if (isStarlingError(err)) return errorReply(err);
    throw err;
  }
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 20_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    return await execute(cmd, origin, options, signal);
  } catch (err) {
    if (isStarlingError(err)) return errorReply(err);
    const reason = err instanceof Error ? err.message : String(err);
    return errorReply(new StarlingError('BOT-DEP-SERVICE_FAILED', { service: cmd.verb, reason: reason.slice(0, 200) }, {}, { cause: err }));
  }
}
