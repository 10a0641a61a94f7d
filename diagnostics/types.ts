/** The outcome of one check: ok, a problem found, or unknown (the check could not decide). */
export type CheckStatus = 'ok' | 'problem' | 'unknown';

/** The checks the engine runs. */
export const CHECK_NAMES = ['ping', 'ssh', 'agent', 'disk', 'load', 'syslog', 'cmdb'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** What one check found, how, and how long it took. */
export interface CheckResult {
  check: CheckName;
  status: CheckStatus;
  /**
   * Machine-readable sub-kind of a problem (e.g. `hung` / `down` for the agent check,
   * `crashed` / `unclean-reboot` / `hardware` for syslog); the verdict rules match on it.
   */
  finding?: string;
  /** One plain English sentence. */
  summary: string;
  /** The data the status was decided from (numbers, matched lines, probe replies). */
  evidence: Record<string, unknown>;
  /** Where the evidence came from: `fping`, `ping`, `tcp`, `heartbeat`, `prometheus`, `syslog`, `db`. */
  source: string;
  /** ISO time the check started. */
  startedAt: string;
  durationMs: number;
}

/** Build a result; `startedAt` and `durationMs` from a start time in ms. */
export function checkResult(
  check: CheckName,
  started: number,
  fields: Omit<CheckResult, 'check' | 'startedAt' | 'durationMs'>,
): CheckResult {
  return { check, ...fields, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started };
}

/** A result for a check that could not run (no source, error, timeout). */
export function unknownResult(check: CheckName, started: number, summary: string, source: string, evidence: Record<string, unknown> = {}): CheckResult {
  return checkResult(check, started, { status: 'unknown', summary, source, evidence });
}

/**
 * Run a check with a hard time limit: a check that throws or overruns `timeoutMs` becomes
 * `unknown` instead of holding up the diagnosis.
 */
export async function boundedCheck(
  check: CheckName,
  timeoutMs: number,
  source: string,
  fn: (signal: AbortSignal) => Promise<CheckResult>,
): Promise<CheckResult> {
  const started = Date.now();
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => {
      ac.abort(new Error('check timed out'));
      resolve(unknownResult(check, started, `The ${check} check did not finish within ${timeoutMs} ms.`, source, { timeoutMs }));
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      fn(ac.signal).catch((err: unknown) =>
        unknownResult(check, started, `The ${check} check failed: ${(err as Error)?.message ?? String(err)}`, source, {
          error: (err as Error)?.message ?? String(err),
          code: (err as { code?: string })?.code,
        }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** One mount's usage (same shape as the heartbeat's `mounts`). */
export interface MountSample {
  mount: string;
  usedBytes: number;
  totalBytes: number;
}

/** One load sample. */
export interface LoadSample {
  at: Date;
  load1: number;
  cpus: number;
}
