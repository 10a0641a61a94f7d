import { describe, expect, it } from 'vitest';
import { dingtalkSign, signedRobotUrl, verifyCallbackSignature } from './sign.js';

describe('DingTalk signatures', () => {
  it('matches the locally computed reference vectors', () => {
    expect(dingtalkSign('1577262236757', 'appSecretExample_ABCdef0123456789')).toBe('hRfAbyY749UR+Vs3M8g5acHahnwU+7z0epI743r8JeY=');
    expect(dingtalkSign('1690362101894', 'SECtestsecret0123456789')).toBe('iPm07jNAI5WuevRm349M/0xcnxsRTDBy9qz99HcNm1g=');
  });

  it('accepts a valid callback and rejects wrong, stale and missing ones with their codes', () => {
    const secret = 'appSecretExample_ABCdef0123456789';
    const ts = '1577262236757';
    const sign = 'hRfAbyY749UR+Vs3M8g5acHahnwU+7z0epI743r8JeY=';
    const now = Number(ts) + 1000;
    expect(() => verifyCallbackSignature(ts, sign, secret, { nowMs: now })).not.toThrow();
    expect(() => verifyCallbackSignature(ts, sign, 'other', { nowMs: now })).toThrow(expect.objectContaining({ code: 'BOT-USR-SIGNATURE_INVALID' }));
    expect(() => verifyCallbackSignature(ts, sign.slice(1), secret, { nowMs: now })).toThrow(expect.objectContaining({ code: 'BOT-USR-SIGNATURE_INVALID' }));
    expect(() => verifyCallbackSignature(ts, sign, secret, { nowMs: Number(ts) + 3_600_001 })).toThrow(expect.objectContaining({ code: 'BOT-USR-TIMESTAMP_STALE' }));
    expect(() => verifyCallbackSignature(ts, sign, secret, { nowMs: Number(ts) - 3_600_001 })).toThrow(expect.objectContaining({ code: 'BOT-USR-TIMESTAMP_STALE' }));
    expect(() => verifyCallbackSignature(ts, sign, secret, { nowMs: Number(ts) + 3_600_000 })).not.toThrow();
    expect(() => verifyCallbackSignature(undefined, sign, secret)).toThrow(expect.objectContaining({ code: 'BOT-USR-SIGNATURE_MISSING' }));
    expect(() => verifyCallbackSignature(ts, undefined, secret)).toThrow(expect.objectContaining({ code: 'BOT-USR-SIGNATURE_MISSING' }));
    expect(() => verifyCallbackSignature('12a', sign, secret)).toThrow(expect.objectContaining({ code: 'BOT-USR-TIMESTAMP_STALE' }));
  });

  it('puts the sign into the robot URL encoded exactly once', () => {
    const url = signedRobotUrl('https://oapi.dingtalk.com/robot/send?access_token=abc', 'SECtestsecret0123456789', 1690362101894);
    expect(url).toContain('&timestamp=1690362101894&sign=iPm07jNAI5WuevRm349M%2F0xcnxsRTDBy9qz99HcNm1g%3D');
    expect(new URL(url).searchParams.get('sign')).toBe('iPm07jNAI5WuevRm349M/0xcnxsRTDBy9qz99HcNm1g=');
    expect(signedRobotUrl('https://oapi.dingtalk.com/robot/send?access_token=abc', undefined)).toBe('https://oapi.dingtalk.com/robot/send?access_token=abc');
  });
});
