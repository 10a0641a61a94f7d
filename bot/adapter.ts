import type { Reply } from './render/reply.js';

/**
 * A chat message normalised across platforms: what the command core and the delivery job need.
 * Platform-specific reply details travel in `replyHandle`, opaque to everything but the adapter.
 */
export interface InboundMessage {
  platform: string;
  /** The platform's message id; the de-duplication key. */
  messageId: string;
  conversationId: string;
  isGroup: boolean;
  /** The sender's user id in the organisation (DingTalk senderStaffId, else senderId). */
  senderId: string;
  senderName: string;
  /** The command text with the robot's own mention and surrounding space removed; null for non-text messages. */
  text: string | null;
  /** The original message type (e.g. `text`, `picture`). */
  messageType: string;
  /** When the platform says the message was sent, ms. */
  sentAt: number;
  /** How to answer this message later (JSON-serialisable: it travels in a job). */
  replyHandle: Record<string, unknown>;
}

/** What an adapter answers to the platform's HTTP callback right away. */
export interface ImmediateAck {
  status: number;
  body: unknown;
}

/** The outcome of one delivery attempt, as the delivery job needs it. */
export type DeliveryOutcome =
  | { kind: 'sent'; via: string }
  /** Too fast: pause this robot for `pauseMs`, then send again. */
  | { kind: 'rate-limited'; pauseMs: number; errcode: number }
  /** The reply route is dead (expired session); try the fallback or record it undeliverable. */
  | { kind: 'expired'; reason: string }
  /** Rejected for good (bad credentials, bad message); record it undeliverable. */
  | { kind: 'rejected'; errcode: number; errmsg: string }
  /** Transient failure (network, 5xx, busy); retry with backoff. */
  | { kind: 'transient'; reason: string };

/**
 * One chat platform. An HTTP-callback platform implements `verify` and `parse` and is mounted by
 * the bot's routes; a streaming platform feeds `parse`d messages in itself. Adding Feishu, Slack
 * or WeCom is one file implementing this interface.
 */
export interface ChatAdapter {
  /** Platform name, e.g. `dingtalk`. Also the prefix of de-duplication keys. */
  readonly platform: string;
  /** Rate limit of one robot: messages per window. */
  readonly limits: { perWindow: number; windowMs: number };
  /**
   * Authenticate a callback from its headers and raw body; throws a catalogued BOT-USR-… error.
   * `header(name)` looks a header up regardless of case.
   */
  verify(header: (name: string) => string | undefined, rawBody: string, nowMs: number): void;
  /** Validate and normalise a callback body; throws BOT-USR-INVALID_MESSAGE or BOT-USR-WEBHOOK_NOT_ALLOWED. */
  parse(body: unknown): InboundMessage;
  /** The immediate HTTP answer to an accepted callback (e.g. DingTalk's empty message). */
  immediateAck(): ImmediateAck;
  /** The robot a reply counts against for rate limiting. */
  robotKey(msg: Pick<InboundMessage, 'replyHandle' | 'conversationId'>): string;
  /** Render a reply as one or more platform messages (JSON-serialisable). */
  render(reply: Reply): unknown[];
  /**
   * Send one rendered message as the answer to `handle`; `useFallback` asks for the
   * platform's secondary route (DingTalk: group send by the app instead of the session webhook).
   */
  deliver(handle: Record<string, unknown>, message: unknown, options: { useFallback: boolean; signal: AbortSignal }): Promise<DeliveryOutcome>;
  /** Whether a fallback route exists for this handle. */
  hasFallback(handle: Record<string, unknown>): boolean;
}
