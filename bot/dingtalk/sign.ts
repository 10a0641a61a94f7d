import { createHmac, timingSafeEqual } from 'node:crypto';
import { StarlingError } from '../../core/index.js';

/**
 * DingTalk's signature: base64(HMAC-SHA256(key = secret, message = `${timestamp}\n${secret}`)).
 * Callbacks sign with the app's AppSecret; custom-robot pushes sign with the robot's SEC… secret.
 */
export function dingtalkSign(timestamp: string, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

/** Options of {@link verifyCallbackSignature}. */
export interface VerifyOptions {
  /** Current time in ms; default Date.now(). */
  nowMs?: number;
  /** Largest accepted distance between the timestamp and server time, both ways; default 3,600,000 (the documented hour). */
  maxSkewMs?: number;
}

/** The documented skew limit of a callback timestamp: one hour, either direction. */
export const CALLBACK_MAX_SKEW_MS = 3_600_000;

/**
 * Verify a DingTalk app-robot callback from its `timestamp` and `sign` headers (the body is not
 * signed). Throws BOT-USR-SIGNATURE_MISSING, BOT-USR-TIMESTAMP_STALE or BOT-USR-SIGNATURE_INVALID.
 * The comparison is constant-time over equal-length digests.
 */
export function verifyCallbackSignature(
  timestamp: string | undefined,
  sign: string | undefined,
  appSecret: string,
  options: VerifyOptions = {},
): void {
  if (!timestamp) throw new StarlingError('BOT-USR-SIGNATURE_MISSING', { header: 'timestamp' });
  if (!sign) throw new StarlingError('BOT-USR-SIGNATURE_MISSING', { header: 'sign' });
  const now = options.nowMs ?? Date.now();
  const limit = options.maxSkewMs ?? CALLBACK_MAX_SKEW_MS;
  const ts = timestamp.trim();
  if (!/^\d{1,16}$/.test(ts)) {
    throw new StarlingError('BOT-USR-TIMESTAMP_STALE', { timestamp: ts.slice(0, 20), skewMs: 'unknown', limitMs: limit });
  }
  const skew = Math.abs(now - Number(ts));
  if (skew > limit) throw new StarlingError('BOT-USR-TIMESTAMP_STALE', { timestamp: ts, skewMs: skew, limitMs: limit });
  // Compare digests of fixed length so neither length nor content leaks through timing.
  const expected = createHmac('sha256', 'cmp').update(dingtalkSign(ts, appSecret)).digest();
  const given = createHmac('sha256', 'cmp').update(sign.trim()).digest();
  if (!timingSafeEqual(expected, given)) throw new StarlingError('BOT-USR-SIGNATURE_INVALID');
}

/**
 * Add `timestamp` and `sign` to a custom robot's webhook URL. The sign is set through
 * URLSearchParams, which percent-encodes it exactly once (double encoding is DingTalk's
 * `310000 sign not match`).
 */
export function signedRobotUrl(webhook: string, secret: string | undefined, nowMs = Date.now()): string {
  const url = new URL(webhook);
  if (secret) {
    const ts = String(nowMs);
    url.searchParams.set('timestamp', ts);
    url.searchParams.set('sign', dingtalkSign(ts, secret));
  }
  return url.toString();
}
