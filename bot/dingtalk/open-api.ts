import type { DeliveryOutcome } from '../adapter.js';
import type { DingtalkMessage } from './markdown.js';
import { readJsonLimited } from './webhook-post.js';

/** Options of {@link DingtalkOpenApi}. */
export interface DingtalkOpenApiOptions {
  clientId: string;
  clientSecret: string;
  /** Base URL; default `https://api.dingtalk.com`. */
  apiBase?: string;
  /** Pause after HTTP 429, ms; default 60,000. */
  rateLimitPauseMs?: number;
  /** Request timeout, ms; default 10,000. */
  timeoutMs?: number;
  /** Clock for token expiry; default Date.now. */
  now?: () => number;
}

/** Renew a token this long before DingTalk says it expires. */
const TOKEN_MARGIN_MS = 5 * 60_000;

/**
 * The app's own send path, used when a session webhook has expired: an access token from
 * `/v1.0/oauth2/accessToken`, then `/v1.0/robot/groupMessages/send` for groups or
 * `/v1.0/robot/oToMessages/batchSend` for 1:1 chats.
 */
export class DingtalkOpenApi {
  private token: { value: string; expiresAt: number } | undefined;
  private readonly base: string;
  private readonly now: () => number;

  constructor(private readonly options: DingtalkOpenApiOptions) {
    this.base = (options.apiBase ?? 'https://api.dingtalk.com').replace(/\/+$/, '');
    this.now = options.now ?? Date.now;
  }

  private async fetchJson(path: string, body: unknown, headers: Record<string, string>, signal?: AbortSignal) {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 10_000);
    const res = await fetch(`${this.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      redirect: 'error',
    });
    return { status: res.status, body: (await readJsonLimited(res)) as Record<string, unknown> | undefined };
  }

  private pendingToken: Promise<string> | undefined;

  /** A cached access token, renewed five minutes before expiry; concurrent callers share one request. */
  async accessToken(signal?: AbortSignal): Promise<string> {
    if (this.token && this.token.expiresAt > this.now()) return this.token.value;
    this.pendingToken ??= this.fetchToken(signal).finally(() => {
      this.pendingToken = undefined;
    });
    return this.pendingToken;
  }

  private async fetchToken(signal?: AbortSignal): Promise<string> {
    const { status, body } = await this.fetchJson('/v1.0/oauth2/accessToken', { appKey: this.options.clientId, appSecret: this.options.clientSecret }, {}, signal);
    const value = body?.accessToken;
    if (status !== 200 || typeof value !== 'string') throw new Error(`access token request answered HTTP ${status}`);
    const ttl = typeof body?.expireIn === 'number' ? body.expireIn * 1000 : 7_200_000;
    this.token = { value, expiresAt: this.now() + Math.max(0, ttl - TOKEN_MARGIN_MS) };
    return value;
  }

  /** Send a message into a group (or to one user) as the app's robot; never throws. */
  async send(
    target: { conversationId: string; isGroup: boolean; robotCode?: string | undefined; userId?: string | undefined },
    message: DingtalkMessage,
    signal?: AbortSignal,
  ): Promise<DeliveryOutcome> {
    const msgKey = message.msgtype === 'markdown' ? 'sampleMarkdown' : 'sampleText';
    const msgParam = JSON.stringify(message.msgtype === 'markdown' ? message.markdown : { content: message.text.content });
    const robotCode = target.robotCode ?? this.options.clientId;
    let path: string;
    let body: Record<string, unknown>;
    if (target.isGroup) {
      path = '/v1.0/robot/groupMessages/send';
      body = { msgKey, msgParam, openConversationId: target.conversationId, robotCode };
    } else {
      if (!target.userId) return { kind: 'rejected', errcode: 0, errmsg: '1:1 chat without the sender\'s user id' };
      path = '/v1.0/robot/oToMessages/batchSend';
      body = { msgKey, msgParam, userIds: [target.userId], robotCode };
    }
    try {
      const token = await this.accessToken(signal);
      const res = await this.fetchJson(path, body, { 'x-acs-dingtalk-access-token': token }, signal);
      if (res.status === 200) return { kind: 'sent', via: target.isGroup ? 'group-send' : 'one-to-one-send' };
      if (res.status === 401) this.token = undefined;
      if (res.status === 429) return { kind: 'rate-limited', pauseMs: this.options.rateLimitPauseMs ?? 60_000, errcode: 429 };
      if (res.status >= 500 || res.status === 401) return { kind: 'transient', reason: `HTTP ${res.status}` };
      const code = typeof res.body?.code === 'string' ? res.body.code : '';
      const msg = typeof res.body?.message === 'string' ? res.body.message : '';
      return { kind: 'rejected', errcode: res.status, errmsg: `${code} ${msg}`.trim().slice(0, 200) };
    } catch (err) {
      return { kind: 'transient', reason: err instanceof Error ? err.message.slice(0, 200) : String(err) };
    }
  }
}
