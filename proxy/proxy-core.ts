import { Gauge } from 'prom-client';
import { onceClose, StarlingError } from '../core/index.js';
import { createBatchingAuthenticator, type AgentAuthenticator, type Transport } from '../channel/index.js';
import type { RegisteredResponse, RegisterRequest } from '../protocol/index.js';
import type { RunDiagnostics } from './tasks/explain-runs.js';
import type { Context } from '../runtime/index.js';
import { loadSigningKey, type ProxySigningKeys } from './auth/load-signing-key.js';
import { startResultsConsumer } from './lifecycle/results-consumer.js';
import { startRunSweeper, type RunSweeper, type RunSweeperOptions } from './lifecycle/run-sweeper.js';
import { TaskNotifier } from './lifecycle/task-notifier.js';
import { createMicroBatcher } from './micro-batcher.js';
import { registerAgents, verifyAgentCredentials } from './register/register-agents.js';
import { Dispatcher, type PreparedBulk } from './tasks/dispatcher.js';
import { submitTask } from './tasks/submit-task.js';
import type { TaskRequest } from './tasks/task-schemas.js';

/** Options of {@link createProxy}. */
export interface ProxyOptions {
  /** The proxy ↔ channel transport (in-process inside `starling server`, Redis Streams otherwise). */
  transport: Transport;
  /** Run the sweeper in this process; default true. */
  sweeper?: boolean;
  /** Overrides of the sweeper's timings (tests); default from the configuration. */
  sweeperOptions?: Omit<RunSweeperOptions, 'dispatcher' | 'notifier'>;
  /** Registrations batched per transaction; default 500. */
  registerBatch?: number;
  /** Explains failed runs (diagnostics, wired by the composition root); default none. */
  diagnostics?: RunDiagnostics;
}

/**
 * The proxy's running parts behind the HTTP routes: the signing key, the dispatcher with its
 * two lanes, the results consumer, the sweeper and the registration batcher. Built before
 * HTTP listens (routes need it), started after.
 */
export interface ProxyCore {
  readonly notifier: TaskNotifier;
  /** Persist and publish a task; resolves with its id once the runs are committed. */
  submit(input: TaskRequest, apiKeyId: number | null): Promise<string>;
  /** Register one agent (batched with concurrent ones). */
  register(req: RegisterRequest): Promise<RegisteredResponse>;
  /** The credential check channels use (batched, one query per batch). */
  readonly authenticator: AgentAuthenticator;
  /** Load the signing key, start the results consumer and the sweeper. */
  start(): Promise<void>;
  /** The sweeper (null before start or when disabled). */
  sweeper(): RunSweeper | null;
  /** Dispatcher, for tests and benchmarks. */
  dispatcher(): Dispatcher | null;
  /** The failed-run diagnostics given in the options, or null. */
  readonly diagnostics: RunDiagnostics | null;
  close(): Promise<void>;
}

/** Build the proxy core on a context and a transport. */
export function createProxy(ctx: Context, options: ProxyOptions): ProxyCore {
  const notifier = new TaskNotifier();
  // Runs of the interactive lane, so their acks and results skip ahead of bulk work. Entries
  // expire (a run is interactive for its own lifetime at most; a leftover costs a few bytes).
  const interactive = new Map<string, number>();
  const pruneInteractive = () => {
    const now = Date.now();
    for (const [id, until] of interactive) if (until < now) interactive.delete(id);
  };
  // SQL statements this process issued: benchmarks read it from /metrics to show batching.
  if (!ctx.metrics.getSingleMetric('starling_db_statements')) {
    new Gauge({
      name: 'starling_db_statements', help: 'SQL statements issued by this process since it started', registers: [ctx.metrics],
      collect() {
        this.set(ctx.database.statements);
      },
    });
  }
  let keys: Promise<ProxySigningKeys> | undefined;
  let dispatcher: Dispatcher | null = null;
  let sweeper: RunSweeper | null = null;
  let consumer: { close(): Promise<void> } | null = null;
  let closed = false;
  const loadKeys = () => (keys ??= loadSigningKey(ctx).catch((err) => {
    keys = undefined;
    throw err;
  }));
  const ensureDispatcher = async () => {
    const k = await loadKeys();
    dispatcher ??= new Dispatcher({ transport: options.transport, key: k.active, log: ctx.log });
    return dispatcher;
  };
  const registration = createMicroBatcher<RegisterRequest, RegisteredResponse>({
    maxBatch: options.registerBatch ?? 500,
    windowMs: 20,
    run: async (reqs) => registerAgents(ctx, reqs, await loadKeys()),
  });
  return {
    notifier,
    authenticator: createBatchingAuthenticator({ verifyMany: (creds) => verifyAgentCredentials(ctx.db, creds) }),
    async submit(input, apiKeyId) {
      if (closed) throw new StarlingError('PROXY-SYS-SHUTTING_DOWN');
      const d = await ensureDispatcher();
      let prepared: PreparedBulk | undefined;
      const task = await submitTask(ctx, input, apiKeyId, (jobs, lane) => {
        if (lane === 'bulk') prepared = d.prepareBulk(jobs);
      });
      if (task.lane === 'interactive') {
        if (interactive.size > 50_000) pruneInteractive();
        const until = Date.now() + input.timeoutMs + 60_000;
        for (const j of task.jobs) interactive.set(j.runId, until);
        await d.sendNow(task.jobs).catch((err: Error) => ctx.log.warn({ err: err.message, taskId: task.taskId }, 'publish failed; the sweeper re-sends'));
      } else {
        d.enqueueBulk(prepared ?? d.prepareBulk(task.jobs));
      }
      return task.taskId;
    },
    register: (req) => {
      if (closed) return Promise.reject(new StarlingError('PROXY-SYS-SHUTTING_DOWN'));
      return registration.submit(req);
    },
    async start() {
      const d = await ensureDispatcher();
      consumer = startResultsConsumer(ctx, {
        transport: options.transport, notifier, isInteractive: (id) => interactive.has(id), onAnswered: (ids) => d.answered(ids),
      });
      if (options.sweeper ?? true) sweeper = startRunSweeper(ctx, { dispatcher: d, notifier, ...options.sweeperOptions });
      const k = await loadKeys();
      ctx.log.info({ keyId: k.active.keyId, transport: options.transport.kind }, 'proxy started');
    },
    sweeper: () => sweeper,
    dispatcher: () => dispatcher,
    diagnostics: options.diagnostics ?? null,
    close: onceClose(async () => {
      closed = true;
      await sweeper?.close();
      await dispatcher?.close();
      await consumer?.close();
    }),
  };
}
