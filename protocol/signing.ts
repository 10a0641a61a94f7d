import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import type { RunDispatchFrame } from './agent-frames.js';
import { canonicalJson } from './canonical-json.js';
import { merkleRoot, merkleTree, runLeaf } from './merkle.js';
import { PROTOCOL_VERSION } from './version.js';

export { canonicalJson } from './canonical-json.js';

/** Domain separation: these bytes can never be mistaken for another signed message. */
const DOMAIN = 'starling/run.dispatch\n';

/** A dispatch before signing: every field but `type`, `signature` and `batch`. */
export type UnsignedDispatch = Omit<RunDispatchFrame, 'type' | 'signature' | 'batch'>;

/** The exact bytes the signature covers: every signed field of the dispatch, canonically encoded. */
export function canonicalDispatchBytes(d: UnsignedDispatch): Buffer {
  const signed = {
    v: d.v, runId: d.runId, taskId: d.taskId, agentId: d.agentId, command: d.command, argv: d.argv,
    timeoutMs: d.timeoutMs, cwd: d.cwd, env: d.env, user: d.user, deadline: d.deadline,
    issuedAt: d.issuedAt, nonce: d.nonce, keyId: d.keyId,
  };
  return Buffer.from(DOMAIN + canonicalJson(signed), 'utf8');
}

/** An Ed25519 signing key pair with its key id (the proxy keeps one; agents get the public half). */
export interface SigningKeyPair {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public key as SPKI DER, base64: what `registered.signingKeys[].publicKey` carries. */
  publicKeyBase64: string;
}

/** The key id of a public key: the first 16 hex digits of SHA-256 over its SPKI DER. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('hex').slice(0, 16);
}

function pairFrom(privateKey: KeyObject): SigningKeyPair {
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyIdOf(publicKey),
    privateKey,
    publicKey,
    publicKeyBase64: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}

/** Generate a new Ed25519 signing key pair. */
export function generateSigningKey(): SigningKeyPair {
  return pairFrom(generateKeyPairSync('ed25519').privateKey);
}

/** Load a signing key pair from a PKCS#8 PEM private key (as stored by the proxy). */
export function signingKeyFromPem(pem: string): SigningKeyPair {
  return pairFrom(createPrivateKey(pem));
}

/** The PKCS#8 PEM of a private key, for storing it (mode 0600). */
export function exportPrivateKeyPem(pair: SigningKeyPair): string {
  return pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** Import a public key from its base64 SPKI DER form. */
export function importPublicKey(base64: string): KeyObject {
  return createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' });
}

/** A fresh random nonce for a dispatch. */
export function newNonce(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Sign a dispatch. `issuedAt` should be the time of sending (a resend may re-sign with a new
 * `issuedAt` and `nonce`; the agent de-duplicates by run id either way).
 */
export function signDispatch(d: Omit<UnsignedDispatch, 'keyId' | 'v'> & { v?: number }, key: SigningKeyPair): RunDispatchFrame {
  const unsigned: UnsignedDispatch = { ...d, v: d.v ?? PROTOCOL_VERSION, keyId: key.keyId };
  const signature = sign(null, canonicalDispatchBytes(unsigned), key.privateKey).toString('base64url');
  return { type: 'run.dispatch', ...unsigned, signature };
}

const BATCH_DOMAIN = 'starling/run.batch\n';

/** The fields every run of a batch shares (one task): all but `runId` and `agentId`. */
export type BatchCommon = Omit<UnsignedDispatch, 'runId' | 'agentId' | 'keyId' | 'v'> & { v?: number };

/** The exact bytes a batch signature covers: the shared fields, the Merkle root and the batch size. */
export function canonicalBatchBytes(common: Omit<UnsignedDispatch, 'runId' | 'agentId'>, root: Buffer, size: number): Buffer {
  const signed = {
    v: common.v, taskId: common.taskId, command: common.command, argv: common.argv, timeoutMs: common.timeoutMs, cwd: common.cwd,
    env: common.env, user: common.user, deadline: common.deadline, issuedAt: common.issuedAt, nonce: common.nonce,
    keyId: common.keyId, root: root.toString('base64url'), size,
  };
  return Buffer.from(BATCH_DOMAIN + canonicalJson(signed), 'utf8');
}

/**
 * Sign many runs of one task with ONE Ed25519 signature: the runs' (runId, agentId) pairs are
 * the leaves of a Merkle tree whose root is signed with the shared fields; each dispatch carries
 * its proof (about log2(n) hashes). 10,000 runs cost one signature and ~20,000 SHA-256s instead
 * of 10,000 signatures. The agent verifies a batched dispatch exactly as strictly as a single one.
 */
export function signDispatchBatch(common: BatchCommon, runs: ReadonlyArray<{ runId: string; agentId: string }>, key: SigningKeyPair): RunDispatchFrame[] {
  const shared = { ...common, v: common.v ?? PROTOCOL_VERSION, keyId: key.keyId };
  const { root, proofs } = merkleTree(runs.map((r) => runLeaf(r.runId, r.agentId)));
  const signature = sign(null, canonicalBatchBytes(shared, root, runs.length), key.privateKey).toString('base64url');
  // Upper tree nodes sit in thousands of proofs: encode each node once.
  const encoded = new Map<Buffer, string>();
  const enc = (b: Buffer) => {
    let e = encoded.get(b);
    if (e === undefined) encoded.set(b, (e = b.toString('base64url')));
    return e;
  };
  return runs.map((r, index) => ({
    type: 'run.dispatch', ...shared, runId: r.runId, agentId: r.agentId, signature,
    batch: { index, size: runs.length, proof: proofs[index]!.map(enc) },
  }));
}

/** Why a signature did not verify. */
export type VerifyFailure = 'unknown-key' | 'bad-signature';

/**
 * Verify a dispatch's signature against the trusted public keys (by key id). Returns null
 * when it verifies, else the reason. Freshness and the target agent are checked by the agent.
 */
export function verifyDispatch(d: RunDispatchFrame, keys: ReadonlyMap<string, KeyObject>): VerifyFailure | null {
  const key = keys.get(d.keyId);
  if (!key) return 'unknown-key';
  let sig: Buffer;
  try {
    sig = Buffer.from(d.signature, 'base64url');
  } catch {
    return 'bad-signature';
  }
  const { type: _type, signature: _sig, batch, ...unsigned } = d;
  let bytes: Buffer;
  if (batch) {
    const root = merkleRoot(runLeaf(d.runId, d.agentId), batch.index, batch.size, batch.proof.map((p) => Buffer.from(p, 'base64url')));
    if (!root) return 'bad-signature';
    bytes = canonicalBatchBytes(unsigned, root, batch.size);
  } else {
    bytes = canonicalDispatchBytes(unsigned);
  }
  try {
    return verify(null, bytes, key, sig) ? null : 'bad-signature';
  } catch {
    return 'bad-signature';
  }
}
