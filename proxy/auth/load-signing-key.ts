import { sql } from 'drizzle-orm';
import { StarlingError } from '../../core/index.js';
import { rows } from '../../db/index.js';
import { exportPrivateKeyPem, generateSigningKey, signingKeyFromPem, type SigningKeyPair, type SigningPublicKey } from '../../protocol/index.js';
import type { Context } from '../../runtime/index.js';

// Serialises first-start key creation across proxies sharing one Postgres ("SIGN").
const SIGNING_KEY_LOCK = 0x5349_474e;

/** The proxy's signing material: the key it signs with and every public key agents should trust. */
export interface ProxySigningKeys {
  active: SigningKeyPair;
  /** Public halves of every key not retired (the active one first), for `registered.signingKeys`. */
  trusted: SigningPublicKey[];
}

/**
 * Load the run-signing key from the database, creating (and storing) an Ed25519 key on first
 * start. Proxies sharing a database share the key; the oldest key not retired signs.
 */
export async function loadSigningKey(ctx: Context): Promise<ProxySigningKeys> {
  const read = () =>
    rows<{ id: string; public_key: string; private_key_pem: string }>(
      ctx.db,
      sql`select id, public_key, private_key_pem from signing_keys where retired_at is null order by created_at, id`,
    );
  try {
    let keys = await read();
    if (keys.length === 0) {
      keys = await ctx.database.withAdvisoryLock(SIGNING_KEY_LOCK, async () => {
        const again = await read();
        if (again.length) return again;
        const pair = generateSigningKey();
        await ctx.db.execute(
          sql`insert into signing_keys (id, public_key, private_key_pem) values (${pair.keyId}, ${pair.publicKeyBase64}, ${exportPrivateKeyPem(pair)}) on conflict (id) do nothing`,
        );
        ctx.log.info({ keyId: pair.keyId }, 'created the run-signing key');
        return read();
      });
    }
    const active = signingKeyFromPem(keys[0]!.private_key_pem);
    return { active, trusted: keys.map((k) => ({ keyId: k.id, publicKey: k.public_key })) };
  } catch (err) {
    if (err instanceof StarlingError) throw err;
    throw new StarlingError('PROXY-SYS-NO_SIGNING_KEY', { reason: (err as Error).message }, {}, { cause: err });
  }
}
