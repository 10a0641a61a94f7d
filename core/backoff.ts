/** Options of {@link backoffDelay}. */
export interface BackoffOptions {
  /** First delay in ms; default 500. */
  baseMs?: number;
  /** Upper bound in ms; default 30,000. */
  maxMs?: number;
  /** Fraction of the delay randomised, 0..1; default 0.5 (so 50 %..100 % of the nominal delay). */
  jitter?: number;
  /** Random source, for tests; default Math.random. */
  random?: () => number;
}

/**
 * Exponential backoff with jitter for attempt `n` (0-based). Jitter keeps thousands of
 * agents that lost the same channel from reconnecting in lock-step.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const jitter = options.jitter ?? 0.5;
  const random = options.random ?? Math.random;
  const nominal = Math.min(max, base * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(nominal * (1 - jitter * random()));
}

/** Resolve after `ms`, or reject early with the signal's reason when it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Wrap a close function so calling it twice (SIGINT then SIGTERM, or a test's afterAll
 * after a failed start) runs it once and returns the same promise.
 */
export function onceClose(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}
