import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * SHA-256 hex of a secret. The secrets hashed here (API keys, agent credentials) carry 256
 * bits of randomness, so a fast hash is enough: there is nothing to brute-force.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A new random secret: 32 bytes, base64url. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Compare two strings in time independent of where they differ (lengths may leak). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) return false;
  return timingSafeEqual(x, y);
}
