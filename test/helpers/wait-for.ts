/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many ms; default 10,000. */
  timeoutMs?: number;
  /** Poll interval in ms; default 25. */
  intervalMs?: number;
  /** Said in the timeout error. */
  what?: string;
}

/**
 * Poll `check` until it returns a value other than undefined/false (returned), or throw
 * after the timeout with the last error seen. Tests use this instead of fixed sleeps.
 */
export async function waitFor<T>(check: () => T | Promise<T>, options: WaitForOptions = {}): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as Exclude<T, false | undefined>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out waiting for ${options.what ?? 'condition'}${why}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 25));
  }
}
