import { z } from 'zod';
import { StarlingError } from '../../core/index.js';
import type { InboundMessage } from '../adapter.js';

const id = z.string().min(1).max(512);
const epochMs = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,16}$/).transform(Number)]);

/**
 * A DingTalk robot message: the HTTP callback body, and the `data` of a Stream CALLBACK frame.
 * Only the fields Starling uses are checked; the rest pass through. Sizes are bounded.
 */
export const dingtalkRobotMessageSchema = z.looseObject({
  msgId: id,
  msgtype: z.string().min(1).max(64),
  conversationId: id,
  conversationType: z.string().max(8).optional(),
  conversationTitle: z.string().max(512).optional(),
  senderId: z.string().max(512).optional(),
  senderStaffId: z.string().max(512).optional(),
  senderNick: z.string().max(512).optional(),
  createAt: epochMs.optional(),
  text: z.looseObject({ content: z.string().max(20_000) }).optional(),
  sessionWebhook: z.string().max(2048).optional(),
  sessionWebhookExpiredTime: epochMs.optional(),
  robotCode: z.string().max(512).optional(),
  chatbotUserId: z.string().max(512).optional(),
  isInAtList: z.boolean().optional(),
});

/** A validated DingTalk robot message. */
export type DingtalkRobotMessage = z.infer<typeof dingtalkRobotMessageSchema>;

/** Where a DingTalk reply goes: the session webhook, else the app's group (or 1:1) send. */
export interface DingtalkReplyHandle {
  [key: string]: unknown;
  kind: 'session';
  sessionWebhook?: string | undefined;
  /** Epoch ms after which the session webhook is dead. */
  expiresAt?: number | undefined;
  conversationId: string;
  isGroup: boolean;
  robotCode?: string | undefined;
  /** The asker's staff id, for a 1:1 fallback send. */
  userId?: string | undefined;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/;

/**
 * Check that a session webhook points at an allowed host (https, or http on loopback for
 * tests). A forged body could otherwise make Starling post to any address.
 */
export function checkWebhookUrl(raw: string, allowedHosts: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new StarlingError('BOT-USR-WEBHOOK_NOT_ALLOWED', { host: '(not a URL)' });
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname));
  if (!secure || !allowedHosts.includes(url.hostname.replace(/^\[|\]$/g, ''))) {
    throw new StarlingError('BOT-USR-WEBHOOK_NOT_ALLOWED', { host: `${url.protocol}//${url.host}` });
  }
  return url.toString();
}

/**
 * Validate a DingTalk robot message and normalise it. The text has its leading space (left where
 * DingTalk removed the robot's @) trimmed. Throws BOT-USR-INVALID_MESSAGE or BOT-USR-WEBHOOK_NOT_ALLOWED.
 */
export function parseDingtalkMessage(body: unknown, allowedHosts: readonly string[], nowMs = Date.now()): InboundMessage {
  const parsed = dingtalkRobotMessageSchema.safeParse(body);
  if (!parsed.success) {
    const reason = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new StarlingError('BOT-USR-INVALID_MESSAGE', { reason });
  }
  const m = parsed.data;
  const handle: DingtalkReplyHandle = {
    kind: 'session',
    conversationId: m.conversationId,
    isGroup: m.conversationType !== '1',
    robotCode: m.robotCode,
    userId: m.senderStaffId || undefined,
  };
  if (m.sessionWebhook) {
    handle.sessionWebhook = checkWebhookUrl(m.sessionWebhook, allowedHosts);
    handle.expiresAt = m.sessionWebhookExpiredTime;
  }
  return {
    platform: 'dingtalk',
    messageId: m.msgId,
    conversationId: m.conversationId,
    isGroup: handle.isGroup,
    senderId: m.senderStaffId || m.senderId || m.senderNick || 'unknown',
    senderName: m.senderNick ?? '',
    text: m.msgtype === 'text' ? (m.text?.content ?? '').trim() : null,
    messageType: m.msgtype,
    sentAt: m.createAt ?? nowMs,
    replyHandle: handle,
  };
}
