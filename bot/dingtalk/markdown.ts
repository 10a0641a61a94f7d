import type { OwnerView } from '../command/services.js';
import type { Reply, ReplyBlock } from '../render/reply.js';

/** The `at` object of a DingTalk robot message. */
export interface DingtalkAt {
  atUserIds?: string[];
  atMobiles?: string[];
  isAtAll: boolean;
}

/** A DingTalk robot message (the body posted to a sessionWebhook or a custom robot). */
export type DingtalkMessage =
  | { msgtype: 'markdown'; markdown: { title: string; text: string }; at?: DingtalkAt }
  | { msgtype: 'text'; text: { content: string }; at?: DingtalkAt };

/** Options of {@link renderDingtalkMarkdown}. */
export interface RenderOptions {
  /** Largest JSON body of one message, in UTF-8 bytes; default 19,000 (DingTalk rejects over 20,000). */
  maxBodyBytes?: number;
}

/** DingTalk's body limit minus headroom for the fields a sender may add (e.g. msgUuid). */
export const DEFAULT_MAX_BODY_BYTES = 19_000;

/**
 * Escape plain text for DingTalk markdown: no code spans or HTML (`<font>` is markup there),
 * no emphasis or link syntax, one line. Underscores stay: codes like `HOST_DOWN` are
 * intraword and render as typed.
 */
export function escapeDingtalk(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/`/g, "'")
    .replace(/</g, '‹')
    .replace(/>/g, '›')
    .replace(/([*[\]\\])/g, '\\$1');
}

function escapeLineStart(text: string): string {
  // A line that starts with #, -, + or "1." would become a heading or list item.
  return escapeDingtalk(text).replace(/^(#|[-+]|\d+\.)/, '\\$1');
}

/**
 * Render one block to DingTalk markdown units: the smallest pieces a long reply may be split
 * between. DingTalk ignores a single newline, so paragraphs are separated by blank lines;
 * lists keep single newlines between items (they render as list lines).
 */
function blockUnits(block: ReplyBlock): string[] {
  switch (block.kind) {
    case 'heading':
      return [`#### ${escapeDingtalk(block.text)}`];
    case 'text':
      return [block.bold ? `**${escapeDingtalk(block.text)}**` : escapeLineStart(block.text)];
    case 'list':
      return block.items.map((i) => `- ${escapeDingtalk(i)}`);
    case 'quote':
      return block.lines.map((l) => `> ${escapeDingtalk(l)}`);
    case 'fields':
      return block.fields.map(([k, v]) => `- **${escapeDingtalk(k)}**: ${escapeDingtalk(v)}`);
    case 'link':
      return [`[${escapeDingtalk(block.text)}](${encodeURI(decodeURI(block.url)).replace(/[()]/g, (c) => encodeURIComponent(c))})`];
  }
}

function joinUnits(units: Array<{ text: string; list: boolean }>): string {
  let out = '';
  units.forEach((u, i) => {
    if (i > 0) out += u.list && units[i - 1]!.list ? '\n' : '\n\n';
    out += u.text;
  });
  return out;
}

/** The `@id` text and `at` object that mention a host's owner. Empty owner: nothing. */
export function mentionOf(owner: OwnerView | undefined): { text: string; at?: DingtalkAt } {
  const userIds = [...new Set(owner?.userIds ?? [])].filter((x) => x.length > 0).slice(0, 20);
  const mobiles = [...new Set(owner?.mobiles ?? [])].filter((x) => x.length > 0).slice(0, 20);
  if (userIds.length === 0 && mobiles.length === 0) return { text: '' };
  const at: DingtalkAt = { isAtAll: false };
  if (userIds.length > 0) at.atUserIds = userIds;
  if (mobiles.length > 0) at.atMobiles = mobiles;
  // DingTalk only notifies when the @id also appears in the text.
  return { text: [...userIds, ...mobiles].map((x) => `@${x}`).join(' '), at };
}

function bodyBytes(m: DingtalkMessage): number {
  return Buffer.byteLength(JSON.stringify(m), 'utf8');
}

function cutToBytes(unit: string, maxBytes: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const ch of unit) {
    // JSON escaping can double a character's size; measure the escaped form.
    if (Buffer.byteLength(JSON.stringify(cur + ch)) > maxBytes && cur.length > 0) {
      out.push(cur);
      cur = '';
    }
    cur += ch;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * Render a reply as one or more DingTalk markdown messages, each within `maxBodyBytes` as
 * serialised JSON. Long replies are split between lines, with `(n/m)` in the title; the owner
 * is @-mentioned in the first part (the one with the verdict).
 */
export function renderDingtalkMarkdown(reply: Reply, options: RenderOptions = {}): DingtalkMessage[] {
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const title = reply.title.replace(/[\r\n]+/g, ' ').slice(0, 60) || 'Starling';
  const mention = mentionOf(reply.mention);
  const units = reply.blocks.flatMap((b) => blockUnits(b).map((text) => ({ text, list: b.kind === 'list' || b.kind === 'fields' })));

  const build = (text: string, withMention: boolean, partTitle: string): DingtalkMessage => {
    const m: DingtalkMessage = {
      msgtype: 'markdown',
      markdown: { title: partTitle, text: withMention && mention.text ? `${text}\n\n${mention.text}` : text },
    };
    if (withMention && mention.at) m.at = mention.at;
    return m;
  };
  // Room for the envelope, the longest title, the mention and the `at` object.
  const envelope = bodyBytes(build('', true, `${title} (99/99)`));
  const budget = Math.max(200, maxBytes - envelope);

  const parts: Array<Array<{ text: string; list: boolean }>> = [];
  let current: Array<{ text: string; list: boolean }> = [];
  const size = (us: Array<{ text: string; list: boolean }>) => Buffer.byteLength(JSON.stringify(joinUnits(us)));
  for (const unit of units) {
    for (const piece of size([unit]) > budget ? cutToBytes(unit.text, budget).map((text) => ({ text, list: false })) : [unit]) {
      if (current.length > 0 && size([...current, piece]) > budget) {
        parts.push(current);
        current = [];
      }
      current.push(piece);
    }
  }
  if (current.length > 0 || parts.length === 0) parts.push(current);
  return parts.map((p, i) => build(joinUnits(p), i === 0, parts.length === 1 ? title : `${title} (${i + 1}/${parts.length})`));
}

/** A plain text message (used for refusals that must be short). */
export function dingtalkText(content: string, owner?: OwnerView): DingtalkMessage {
  const mention = mentionOf(owner);
  const m: DingtalkMessage = { msgtype: 'text', text: { content: mention.text ? `${content} ${mention.text}` : content } };
  if (mention.at) m.at = mention.at;
  return m;
}
