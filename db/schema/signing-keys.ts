import { pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, tz } from './columns.js';

/**
 * The proxy's Ed25519 run-signing keys. Every proxy of an installation signs with the oldest
 * key that is not retired; agents receive the public halves at registration. The private key
 * is kept here (PKCS#8 PEM) so that all proxies share it and it survives restarts.
 */
export const signingKeys = pgTable('signing_keys', {
  /** Key id: the first 16 hex digits of SHA-256 over the public key's SPKI DER. */
  id: text('id').primaryKey(),
  publicKey: text('public_key').notNull(),
  privateKeyPem: text('private_key_pem').notNull(),
  createdAt: createdAt(),
  retiredAt: tz('retired_at'),
});
