import { StarlingError } from '../../core/index.js';
import type { ChatAdapter, DeliveryOutcome, ImmediateAck, InboundMessage } from '../adapter.js';
import type { Reply } from '../render/reply.js';
import { parseDingtalkMessage, type DingtalkReplyHandle } from './inbound.js';
import { renderDingtalkMarkdown, type DingtalkMessage } from './markdown.js';
import { DingtalkOpenApi } from './open-api.js';
import { signedRobotUrl, verifyCallbackSignature } from './sign.js';
import { postRobotMessage } from './webhook-post.js';

/** Options of {@link createDingtalkAdapter}. Unset credentials switch the matching feature off. */
export interface DingtalkAdapterOptions {
  /** AppSecret that signs callbacks; required by `verify`. */
  appSecret?: string | undefined;
  /** App credentials for the group-send fallback; default none (no fallback). */
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  /** OpenAPI base URL; default `https://api.dingtalk.com`. */
  apiBase?: string | undefined;
  /** Hosts a sessionWebhook may point at; default `['oapi.dingtalk.com']`. */
  webhookHosts?: readonly string[] | undefined;
  /** Custom robot for notifications; default none. */
  robotWebhook?: string | undefined;
  robotSecret?: string | undefined;
  /** Messages per minute per robot; default 20. */
  perMinute?: number | undefined;
  /** Rate-limit window, ms; default 60,000 (tests shorten it). */
  windowMs?: number | undefined;
  /** Pause after 130101, ms; default 60,000. */
  rateLimitPauseMs?: number | undefined;
  /** A session webhook is treated as expired this long before its stated expiry, ms; default 60,000. */
  sessionMarginMs?: number | undefined;
  /** Callback timestamp skew limit, ms; default 3,600,000 (documented). */
  maxSkewMs?: number | undefined;
  /** Clock; default Date.now. */
  now?: () => number;
}

/** Handle of a notification through the custom robot. */
export interface DingtalkRobotHandle {
  [key: string]: unknown;
  kind: 'robot';
}

/** The DingTalk adapter with its notification helper. */
export interface DingtalkAdapter extends ChatAdapter {
  /** Whether a custom robot is configured for notifications. */
  readonly canNotify: boolean;
  /** The handle that routes a message to the custom robot. */
  robotHandle(): DingtalkRobotHandle;
}

/** Build the DingTalk adapter: callback verification, parsing, markdown rendering and delivery. */
export function createDingtalkAdapter(options: DingtalkAdapterOptions): DingtalkAdapter {
  const now = options.now ?? Date.now;
  const hosts = options.webhookHosts ?? ['oapi.dingtalk.com'];
  const pauseMs = options.rateLimitPauseMs ?? 60_000;
  const margin = options.sessionMarginMs ?? 60_000;
  const openApi =
    options.clientId && options.clientSecret
      ? new DingtalkOpenApi({ clientId: options.clientId, clientSecret: options.clientSecret, apiBase: options.apiBase, rateLimitPauseMs: pauseMs, now })
      : undefined;

  return {
    platform: 'dingtalk',
    limits: { perWindow: options.perMinute ?? 20, windowMs: options.windowMs ?? 60_000 },
    canNotify: Boolean(options.robotWebhook),

    verify(header, _rawBody, nowMs) {
      if (!options.appSecret) throw new StarlingError('BOT-SYS-NOT_CONFIGURED', { feature: 'The DingTalk callback', settings: 'DINGTALK_APP_SECRET' });
      verifyCallbackSignature(header('timestamp'), header('sign'), options.appSecret, { nowMs, maxSkewMs: options.maxSkewMs });
    },

    parse(body): InboundMessage {
      return parseDingtalkMessage(body, hosts, now());
    },

    immediateAck(): ImmediateAck {
      // "No immediate reply; the answer follows through the session webhook."
      return { status: 200, body: { msgtype: 'empty' } };
    },

    robotKey(msg) {
      const h = msg.replyHandle as Partial<DingtalkReplyHandle> | DingtalkRobotHandle;
      if (h.kind === 'robot') return 'dingtalk:custom-robot';
      return `dingtalk:${(h as Partial<DingtalkReplyHandle>).robotCode ?? options.clientId ?? 'app'}`;
    },

    render(reply: Reply): DingtalkMessage[] {
      return renderDingtalkMarkdown(reply);
    },

    hasFallback(handle) {
      return handle.kind === 'session' && openApi !== undefined;
    },

    async deliver(handle, message, { useFallback, signal }): Promise<DeliveryOutcome> {
      const m = message as DingtalkMessage;
      if (handle.kind === 'robot') {
        if (!options.robotWebhook) return { kind: 'rejected', errcode: 0, errmsg: 'DINGTALK_ROBOT_WEBHOOK is not set' };
        const outcome = await postRobotMessage(signedRobotUrl(options.robotWebhook, options.robotSecret, now()), m, { rateLimitPauseMs: pauseMs, signal });
        // For a custom robot 300001/300005 mean a bad token: there is no other route.
        if (outcome.kind === 'expired') return { kind: 'rejected', errcode: 300001, errmsg: outcome.reason };
        return outcome.kind === 'sent' ? { kind: 'sent', via: 'custom-robot' } : outcome;
      }
      const h = handle as DingtalkReplyHandle;
      if (useFallback) {
        if (!openApi) return { kind: 'expired', reason: 'no fallback configured' };
        return openApi.send(h, m, signal);
      }
      if (!h.sessionWebhook) return { kind: 'expired', reason: 'the message carried no sessionWebhook' };
      if (h.expiresAt !== undefined && h.expiresAt - margin <= now()) {
        return { kind: 'expired', reason: `session webhook expired at ${new Date(h.expiresAt).toISOString()}` };
      }
      const outcome = await postRobotMessage(h.sessionWebhook, m, { rateLimitPauseMs: pauseMs, signal });
      return outcome.kind === 'sent' ? { kind: 'sent', via: 'session-webhook' } : outcome;
    },

    robotHandle(): DingtalkRobotHandle {
      return { kind: 'robot' };
    },
  };
}
