import { StarlingError, type Logger } from '../core/index.js';
import { PROTOCOL_VERSION, type ExecutorHealth, type RunDispatchFrame, type RunResultFrame } from '../protocol/index.js';
import { executeRun, type ExecuteRunOptions, type RunningProcess } from './execute-run.js';

/** Options of {@link Executor}. */
export interface ExecutorOptions extends Omit<ExecuteRunOptions, 'onProgress'> {
  /** Runs executed at once; more wait in a queue; default 16. */
  concurrency?: number;
  /** A run may take its timeout plus the kill grace plus this long before the executor counts as hung, ms; default 30,000. */
  hangGraceMs?: number;
  /** A run must be spawned within this long after it got a slot, ms; default 10,000. */
  startBudgetMs?: number;
  /** How often the watchdog looks while runs are held (an idle executor sets no timer), ms; default 1000. */
  watchdogMs?: number;
  /** Called once per run with its final result (never twice, also not after a hang). */
  onResult(result: RunResultFrame): void;
  /**
   * Fault-injection seam for tests: awaited before a run is spawned. A gate that never
   * resolves reproduces an executor that stopped making progress. Default: none.
   */
  beforeSpawn?: (d: RunDispatchFrame) => Promise<void>;
  log?: Logger;
}

interface Job {
  d: RunDispatchFrame;
  phase: 'queued' | 'starting' | 'running';
  /** When the job entered its current phase. */
  since: number;
  proc?: RunningProcess;
  abandoned: boolean;
}

/**
 * Runs verified dispatches with a concurrency limit and a watchdog. The watchdog is the
 * self-healing part: a run that outlives its budget (not spawned within `startBudgetMs`, or
 * still running after timeout + kill grace + `hangGraceMs`) means the executor stopped making
 * progress even though the agent still heartbeats. The run is then killed and abandoned and
 * reported FAILED with AGENT-SYS-EXECUTOR_HUNG, its slot freed so queued runs proceed, and
 * the health says `hung` until the next watchdog pass finds nothing stuck (then `recovered`).
 */
export class Executor {
  private readonly jobs = new Map<string, Job>();
  private readonly queue: Job[] = [];
  private running = 0;
  private hangs = 0;
  private state: ExecutorHealth['state'] = 'ok';
  private lastProgressAt: number | null = null;
  /** Armed while the executor holds runs: an idle agent wakes up for nothing but its heartbeat. */
  private watchdog: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly concurrency: number;

  constructor(private readonly options: ExecutorOptions) {
    this.concurrency = options.concurrency ?? 16;
  }

  private watch(): void {
    if (this.watchdog || this.closed) return;
    this.watchdog = setInterval(() => {
      this.inspect();
      // Disarm once nothing is held and the health has settled (`hung` turns `recovered` on a pass).
      if (this.jobs.size === 0 && this.state !== 'hung') {
        clearInterval(this.watchdog);
        this.watchdog = undefined;
      }
    }, this.options.watchdogMs ?? 1000);
    this.watchdog.unref();
  }

  /** Whether the executor holds this run (queued or running). */
  has(runId: string): boolean {
    return this.jobs.has(runId);
  }

  /** Queue a run (the journal already recorded its start). */
  submit(d: RunDispatchFrame): void {
    const job: Job = { d, phase: 'queued', since: Date.now(), abandoned: false };
    this.jobs.set(d.runId, job);
    this.queue.push(job);
    this.watch();
    this.pump();
  }

  private progress = () => {
    this.lastProgressAt = Date.now();
  };

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length) {
      const job = this.queue.shift()!;
      this.running++;
      job.phase = 'starting';
      job.since = Date.now();
      void this.start(job);
    }
  }

  private async start(job: Job): Promise<void> {
    if (this.options.beforeSpawn) await this.options.beforeSpawn(job.d);
    if (job.abandoned) return;
    job.phase = 'running';
    job.since = Date.now();
    job.proc = executeRun(job.d, { ...this.options, onProgress: this.progress });
    const result = await job.proc.done;
    if (job.abandoned) return;
    this.complete(job, result);
  }

  private complete(job: Job, result: RunResultFrame): void {
    this.jobs.delete(job.d.runId);
    this.running--;
    this.progress();
    try {
      this.options.onResult(result);
    } finally {
      this.pump();
    }
  }

  private inspect(): void {
    const now = Date.now();
    const grace = this.options.hangGraceMs ?? 30_000;
    const startBudget = this.options.startBudgetMs ?? 10_000;
    const killGrace = this.options.killGraceMs ?? 5000;
    let hungNow = false;
    for (const job of this.jobs.values()) {
      if (job.phase === 'queued' || job.abandoned) continue;
      const budget = job.phase === 'starting' ? startBudget : job.d.timeoutMs + killGrace + grace;
      const stalledMs = now - job.since;
      if (stalledMs <= budget) continue;
      job.abandoned = true;
      job.proc?.kill();
      hungNow = true;
      this.hangs++;
      this.state = 'hung';
      const err = new StarlingError('AGENT-SYS-EXECUTOR_HUNG', { runId: job.d.runId, stalledMs });
      this.options.log?.error({ runId: job.d.runId, phase: job.phase, stalledMs, code: err.code }, 'executor hung: run abandoned, slot freed');
      this.complete(job, {
        type: 'run.result', v: PROTOCOL_VERSION, runId: job.d.runId, taskId: job.d.taskId, outcome: 'FAILED', exitCode: null,
        signal: null, durationMs: stalledMs, startedAt: job.since, finishedAt: now, stdout: '', stderr: '',
        stdoutTruncated: false, stderrTruncated: false, error: { code: err.code, message: err.message },
      });
    }
    // Healed: the hung runs were abandoned and their slots freed one inspection ago.
    if (!hungNow && this.state === 'hung') this.state = 'recovered';
  }

  /** Executor health for heartbeats. */
  health(): ExecutorHealth {
    return { state: this.state, running: this.running, queued: this.queue.length, hangs: this.hangs, lastProgressAt: this.lastProgressAt };
  }

  /** Stop the watchdog and kill running processes (their runs are reported as interrupted after a restart). */
  close(): void {
    this.closed = true;
    clearInterval(this.watchdog);
    this.watchdog = undefined;
    for (const job of this.jobs.values()) {
      job.abandoned = true;
      job.proc?.kill();
    }
  }
}
