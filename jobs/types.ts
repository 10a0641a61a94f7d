/** What a processor sees of the job it runs. */
export interface JobInfo {
  readonly id: string;
  readonly name: string;
  /** 1 on the first try, 2 on the first retry, … */
  readonly attempt: number;
  /** Report progress (a percentage or a small object); visible in logs and queue tooling. */
  progress(value: number | Record<string, unknown>): Promise<void>;
}

/** A named queue and the function that processes its jobs. */
export interface JobDefinition<T = unknown> {
  readonly name: string;
  process(data: T, job: JobInfo): Promise<unknown>;
  /** Total tries including the first; default 3. */
  readonly attempts?: number;
  /** First retry delay in ms, doubled on each further retry; default 1,000. */
  readonly backoffMs?: number;
  /** Jobs of this queue processed at once per process; default 1. */
  readonly concurrency?: number;
  /** At most `max` jobs started per `durationMs` (per process in-process, per queue with BullMQ); default none. */
  readonly rateLimit?: { readonly max: number; readonly durationMs: number };
}

/** Options of {@link Jobs.enqueue}. */
export interface EnqueueOptions {
  /** De-duplication key: a job with an id that is still known is not added again. Default: generated. */
  jobId?: string;
  /** Start no earlier than this many ms from now; default 0. */
  delayMs?: number;
  /** Lower runs first (1 is highest); default none (FIFO). */
  priority?: number;
  /** Override the definition's attempts for this job. */
  attempts?: number;
}

/** A job that exhausted its retries: kept, never silently dropped. */
export interface FailedJob {
  readonly id: string;
  readonly name: string;
  readonly data: unknown;
  readonly error: string;
  readonly attempts: number;
  readonly failedAt: Date;
}

/** Job counts of one queue. */
export interface JobCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

/** Named queues with processors: BullMQ when Redis is configured, in-process otherwise. */
export interface Jobs {
  readonly kind: 'bullmq' | 'in-process';
  /** Declare a queue and its processor. Call before {@link start}. */
  define<T>(def: JobDefinition<T>): void;
  /** Add a job; returns its id. Works before {@link start} (the job waits). */
  enqueue<T>(name: string, data: T, options?: EnqueueOptions): Promise<string>;
  /**
   * Add a repeating job every `everyMs`, identified by `id` (re-declaring it replaces it). With
   * BullMQ the schedule lives in Redis: declaring the same id from several processes leaves one
   * schedule with one pending run, and whichever process runs the workers produces its runs.
   */
  repeat<T>(name: string, data: T, schedule: { everyMs: number }, id: string): Promise<void>;
  /** Jobs of a queue that exhausted their retries, newest first. */
  failed(name: string): Promise<FailedJob[]>;
  /** Counts of a queue. */
  counts(name: string): Promise<JobCounts>;
  /** Names of the defined queues, in definition order. */
  queues(): string[];
  /** Start processing every defined queue. */
  start(): Promise<void>;
  /** Stop taking jobs, wait (bounded) for running ones, release connections. Safe to call twice. */
  close(): Promise<void>;
}
