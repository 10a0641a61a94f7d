/** Options of {@link createMicroBatcher}. */
export interface MicroBatcherOptions {
  /** How long requests are gathered before one batch call, in ms; default 2. */
  windowMs?: number;
  /** Largest batch; a full batch is sent at once. Default 500. */
  maxBatch?: number;
}

/**
 * Gather single requests arriving close together into one batch call (one SQL statement
 * for many hosts instead of one per host). `run` gets the inputs and returns one output per
 * input, in order; a failed batch rejects each of its requests.
 */
export function createMicroBatcher<I, O>(run: (inputs: I[]) => Promise<O[]>, options: MicroBatcherOptions = {}): (input: I) => Promise<O> {
  const windowMs = options.windowMs ?? 2;
  const maxBatch = options.maxBatch ?? 500;
  let pending: Array<{ input: I; resolve(o: O): void; reject(e: unknown): void }> = [];
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    run(batch.map((b) => b.input)).then(
      (outs) => batch.forEach((b, i) => b.resolve(outs[i] as O)),
      (err) => batch.forEach((b) => b.reject(err)),
    );
  };
  return (input) =>
    new Promise<O>((resolve, reject) => {
      pending.push({ input, resolve, reject });
      if (pending.length >= maxBatch) fire();
      else timer ??= setTimeout(fire, windowMs);
    });
}

/** A counting semaphore: at most `limit` holders at once. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  /** Run `fn` when a slot is free. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/**
 * A token bucket: `take()` resolves when a token is available, at most `perSecond` per
 * second with bursts up to `burst` (default perSecond / 10, at least 1).
 */
export class RateLimiter {
  private tokens: number;
  private last = Date.now();
  private readonly burst: number;
  private chain: Promise<void> = Promise.resolve();
  constructor(private readonly perSecond: number, burst?: number) {
    this.burst = burst ?? Math.max(1, Math.floor(perSecond / 10));
    this.tokens = this.burst;
  }

  /** Wait for one token. */
  take(): Promise<void> {
    this.chain = this.chain.then(async () => {
      for (;;) {
        const now = Date.now();
        this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
        this.last = now;
        if (this.tokens >= 1) {
          this.tokens -= 1;
          return;
        }
        await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000)));
      }
    });
    return this.chain;
  }
}
