/** Options of {@link createMicroBatcher}. */
export interface MicroBatcherOptions<I, O> {
  /** Handle many items at once (one transaction); answer in the same order. */
  run(items: I[]): Promise<O[]>;
  /** Collect items for this long before running, ms; default 5. */
  windowMs?: number;
  /** Run at most this many items per call; default 500. */
  maxBatch?: number;
}

/** Something that takes one item at a time and handles them in batches. */
export interface MicroBatcher<I, O> {
  submit(item: I): Promise<O>;
}

/**
 * Collect concurrent single-item calls into batches, so that 10,000 agents registering at once
 * cost a few set-based transactions instead of 10,000. Batches run one at a time.
 */
export function createMicroBatcher<I, O>(options: MicroBatcherOptions<I, O>): MicroBatcher<I, O> {
  const windowMs = options.windowMs ?? 5;
  const maxBatch = options.maxBatch ?? 500;
  let pending: Array<{ item: I; resolve(o: O): void; reject(e: unknown): void }> = [];
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  const flush = async () => {
    timer = undefined;
    if (running || pending.length === 0) return;
    running = true;
    const batch = pending.splice(0, maxBatch);
    try {
      const out = await options.run(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(out[i]!));
    } catch (err) {
      batch.forEach((p) => p.reject(err));
    } finally {
      running = false;
      if (pending.length) timer ??= setTimeout(() => void flush(), 0);
    }
  };
  return {
    submit(item) {
      return new Promise<O>((resolve, reject) => {
        pending.push({ item, resolve, reject });
        if (pending.length >= maxBatch && !running) {
          clearTimeout(timer);
          timer = undefined;
          void flush();
        } else {
          timer ??= setTimeout(() => void flush(), windowMs);
        }
      });
    },
  };
}
