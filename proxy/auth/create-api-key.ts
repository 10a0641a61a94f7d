import { randomBytes } from 'node:crypto';
import { apiKeys } from '../../db/index.js';
import type { Context } from '../../runtime/index.js';
import { hashSecret, newSecret } from './secrets.js';

/** A freshly created API key: `key` is shown once and never stored. */
export interface CreatedApiKey {
  id: number;
  name: string;
  prefix: string;
  key: string;
}

/**
 * Create an API key named `name`. The key is `stk_<prefix>_<secret>`; only its SHA-256 is
 * stored, the prefix identifies it in lists and logs. A duplicate name fails on the unique index.
 */
export async function createApiKey(ctx: Context, name: string, scopes: string[] = []): Promise<CreatedApiKey> {
  const prefix = randomBytes(4).toString('hex');
  const key = `stk_${prefix}_${newSecret()}`;
  const [row] = await ctx.db
    .insert(apiKeys)
    .values({ name, prefix, keyHash: hashSecret(key), scopes })
    .returning({ id: apiKeys.id });
  return { id: row!.id, name, prefix, key };
}
