import { PROTOCOL_VERSION } from './version.js';
import { newNonce, signDispatch, type SigningKeyPair } from './signing.js';
import type { RunDispatchFrame } from './agent-frames.js';

/** Options of {@link makeDispatch}: any dispatch field; defaults give a valid one-second shell run. */
export type MakeDispatchOptions = Partial<Omit<RunDispatchFrame, 'type' | 'signature' | 'keyId'>>;

/**
 * A signed dispatch for tests and simulators: defaults `command: 'true'`, `timeoutMs: 10_000`,
 * deadline one minute ahead, `issuedAt` now, a fresh nonce.
 */
export function makeDispatch(key: SigningKeyPair, o: MakeDispatchOptions & { agentId: string }): RunDispatchFrame {
  const now = Date.now();
  return signDispatch(
    {
      v: PROTOCOL_VERSION,
      runId: o.runId ?? crypto.randomUUID(),
      taskId: o.taskId ?? crypto.randomUUID(),
      agentId: o.agentId,
      command: o.command === undefined ? (o.argv ? null : 'true') : o.command,
      argv: o.argv ?? null,
      timeoutMs: o.timeoutMs ?? 10_000,
      cwd: o.cwd ?? null,
      env: o.env ?? null,
      user: o.user ?? null,
      deadline: o.deadline ?? now + 60_000,
      issuedAt: o.issuedAt ?? now,
      nonce: o.nonce ?? newNonce(),
    },
    key,
  );
}
