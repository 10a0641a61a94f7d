/** A credential an agent presents in its `hello` frame. */
export interface AgentCredential {
  agentId: string;
  credential: string;
}

/**
 * Checks agent credentials: the seam the proxy fills (it issued the credential at
 * registration and keeps its hash). `verify` resolves true when the credential is the
 * agent's current one, false when it is not (the channel closes with 4401 and the agent
 * re-registers), and rejects when it cannot tell (database down: the channel closes with
 * 1011 and the agent retries). Calls arrive concurrently — after a channel restart, every
 * agent of it at once — so an implementation should batch (see {@link createBatchingAuthenticator}).
 */
export interface AgentAuthenticator {
  verify(agentId: string, credential: string): Promise<boolean>;
}

/** Options of {@link createBatchingAuthenticator}. */
export interface BatchingAuthenticatorOptions {
  /** Check many credentials at once (one query); answer in the same order. */
  verifyMany(credentials: AgentCredential[]): Promise<boolean[]>;
  /** Collect calls for this long before checking, ms; default 5. */
  windowMs?: number;
  /** Check at most this many per call; default 1000. */
  maxBatch?: number;
}

/**
 * Turn a set-based check into an {@link AgentAuthenticator}: calls made within `windowMs`
 * are checked together, so 10,000 reconnecting agents cost a few queries, not 10,000.
 */
export function createBatchingAuthenticator(options: BatchingAuthenticatorOptions): AgentAuthenticator {
  const windowMs = options.windowMs ?? 5;
  const maxBatch = options.maxBatch ?? 1000;
  let pending: Array<AgentCredential & { resolve(ok: boolean): void; reject(err: unknown): void }> = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const batch = pending.splice(0, maxBatch);
    if (pending.length) timer = setTimeout(flush, 0);
    options.verifyMany(batch.map(({ agentId, credential }) => ({ agentId, credential }))).then(
      (answers) => batch.forEach((p, i) => p.resolve(answers[i] === true)),
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
  };
  return {
    verify(agentId, credential) {
      return new Promise<boolean>((resolve, reject) => {
        pending.push({ agentId, credential, resolve, reject });
        if (pending.length >= maxBatch) {
          clearTimeout(timer);
          flush();
        } else {
          timer ??= setTimeout(flush, windowMs);
        }
      });
    },
  };
}
