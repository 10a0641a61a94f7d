import type { DeliveryOutcome } from '../adapter.js';
import type { DingtalkMessage } from './markdown.js';

/** Errcodes DingTalk uses for "too fast": 130101 (classic) and 410100 (v2 tables). */
export const RATE_LIMIT_ERRCODES: ReadonlySet<number> = new Set([130101, 410100]);
/** Errcodes meaning the token or session is gone: 300001 `session 不存在` / `token is not exist`, 300005. */
export const DEAD_CREDENTIAL_ERRCODES: ReadonlySet<number> = new Set([300001, 300005]);

/** Options of {@link postRobotMessage}. */
export interface PostOptions {
  /** Pause after a rate-limit answer, ms; default 60,000 (DingTalk throttles for 10 minutes, but a minute usually clears it). */
  rateLimitPauseMs?: number;
  /** Request timeout, ms; default 10,000. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Largest response body read from DingTalk. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Interpret a robot-send answer. DingTalk answers errors with HTTP 200 and an errcode, so
 * success is only `errcode === 0`; any other body is a failure of some kind.
 */
export function interpretRobotAnswer(httpStatus: number, body: unknown, rateLimitPauseMs: number): DeliveryOutcome {
  if (httpStatus === 429) return { kind: 'rate-limited', pauseMs: rateLimitPauseMs, errcode: 429 };
  if (httpStatus >= 500) return { kind: 'transient', reason: `HTTP ${httpStatus}` };
  if (httpStatus >= 400) return { kind: 'rejected', errcode: httpStatus, errmsg: `HTTP ${httpStatus}` };
  const b = (typeof body === 'object' && body !== null ? body : {}) as { errcode?: unknown; errmsg?: unknown; wait?: unknown };
  const errcode = typeof b.errcode === 'number' ? b.errcode : Number.NaN;
  const errmsg = typeof b.errmsg === 'string' ? b.errmsg.slice(0, 200) : '';
  if (errcode === 0) return { kind: 'sent', via: 'webhook' };
  if (RATE_LIMIT_ERRCODES.has(errcode)) return { kind: 'rate-limited', pauseMs: rateLimitPauseMs, errcode };
  if (DEAD_CREDENTIAL_ERRCODES.has(errcode)) return { kind: 'expired', reason: `errcode ${errcode} ${errmsg}`.trim() };
  if (errcode === -1) return { kind: 'transient', reason: `errcode -1 ${errmsg}`.trim() };
  // The anti-abuse gateway answers {"status":1111,"wait":5,...} without an errcode.
  if (Number.isNaN(errcode) && typeof b.wait === 'number') {
    return { kind: 'rate-limited', pauseMs: Math.max(rateLimitPauseMs, b.wait * 1000), errcode: -1 };
  }
  if (Number.isNaN(errcode)) return { kind: 'transient', reason: 'answer without errcode' };
  return { kind: 'rejected', errcode, errmsg };
}

/** Read at most `limit` bytes of a response as JSON; undefined when it is not JSON. */
export async function readJsonLimited(res: Response, limit = MAX_RESPONSE_BYTES): Promise<unknown> {
  const reader = res.body?.getReader();
  if (!reader) return undefined;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * POST a robot message to a session webhook or a custom-robot URL and classify the answer.
 * Network errors and timeouts are transient; nothing here throws.
 */
export async function postRobotMessage(url: string, message: DingtalkMessage, options: PostOptions = {}): Promise<DeliveryOutcome> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
      body: JSON.stringify(message),
      signal,
      redirect: 'error',
    });
    const body = await readJsonLimited(res);
    return interpretRobotAnswer(res.status, body, options.rateLimitPauseMs ?? 60_000);
  } catch (err) {
    return { kind: 'transient', reason: err instanceof Error ? err.message.slice(0, 200) : String(err) };
  }
}
