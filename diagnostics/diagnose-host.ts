import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { Context } from '../runtime/index.js';
import { judgeAgent } from './checks/agent-check.js';
import { judgeCmdb } from './checks/cmdb-check.js';
import { judgeDisk } from './checks/disk-check.js';
import { judgeLoad } from './checks/load-check.js';
import { createPinger, type Pinger } from './checks/ping-check.js';
import { checkSsh } from './checks/ssh-check.js';
import { judgeSyslog } from './checks/syslog-check.js';
import type { DiagnoseTarget, Diagnosis } from './diagnosis.js';
import { createMicroBatcher, RateLimiter, Semaphore } from './micro-batcher.js';
import { createPrometheusSource, type PrometheusSource } from './sources/prometheus-source.js';
import { insertDiagnoses } from './store/diagnosis-store.js';
import { loadEvidence, loadSenderSyslog, lookupCmdbTarget, resolveTargets, splitMetrics, type HostEvidence, type HostRecord } from './store/load-evidence.js';
import { boundedCheck, unknownResult, type CheckResult } from './types.js';
import { decideVerdict } from './verdict/decide-verdict.js';

/** Options of {@link DiagnosticsEngine}; each defaults to the matching DIAG_* setting. */
export interface DiagnosticsEngineOptions {
  /** Reachability prober; default one built from DIAG_PING_MODE / DIAG_PROBE_TIMEOUT_MS / DIAG_TCP_PROBE_PORTS. */
  pinger?: Pinger;
  /** Prometheus source; default one from DIAG_PROMETHEUS_URL, or none when unset. */
  prometheus?: PrometheusSource | null;
  /** Probe timeout in ms; default DIAG_PROBE_TIMEOUT_MS (1000). */
  probeTimeoutMs?: number;
  /** SSH port; default DIAG_SSH_PORT (22). A host's `facts.sshPort` wins when present. */
  sshPort?: number;
  /** Cache TTL in ms; default DIAG_CACHE_TTL_MS (30,000). */
  cacheTtlMs?: number;
  /** Hosts diagnosed at once; default DIAG_CONCURRENCY (256). */
  concurrency?: number;
  /** Probes started per second; default DIAG_PROBES_PER_SECOND (2000). */
  probesPerSecond?: number;
}

interface CacheEntry {
  id: string;
  promise: Promise<Diagnosis>;
  doneAt: number | null;
}

const looksLikeAddress = (t: string) => isIP(t) !== 0 || /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9-]{1,63})+$/.test(t);

/**
 * The diagnostics engine of one process: resolves targets, gathers stored evidence in
 * batches, probes the network under a concurrency bound and a probe-rate limit, decides the
 * verdict, persists it (batched) and caches it per host for a short TTL so a mass failure
 * probes each host once.
 */
export class DiagnosticsEngine {
  readonly pinger: Pinger;
  readonly prometheus: PrometheusSource | null;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly byId = new Map<string, CacheEntry>();
  private readonly sem: Semaphore;
  private readonly rate: RateLimiter;
  private readonly timeoutMs: number;
  private readonly sshPort: number;
  private readonly ttl: number;
  private readonly resolve: (t: string) => Promise<HostRecord | null>;
  private readonly evidence: (h: HostRecord) => Promise<HostEvidence>;
  private readonly persist: (d: Diagnosis) => Promise<void>;
  private closed = false;

  constructor(private readonly ctx: Context, options: DiagnosticsEngineOptions = {}) {
    const c = ctx.config;
    this.timeoutMs = options.probeTimeoutMs ?? c.DIAG_PROBE_TIMEOUT_MS;
    this.sshPort = options.sshPort ?? c.DIAG_SSH_PORT;
    this.ttl = options.cacheTtlMs ?? c.DIAG_CACHE_TTL_MS;
    this.pinger = options.pinger ?? createPinger({ mode: c.DIAG_PING_MODE, timeoutMs: this.timeoutMs, tcpPorts: c.DIAG_TCP_PROBE_PORTS });
    this.prometheus = options.prometheus !== undefined ? options.prometheus
      : c.DIAG_PROMETHEUS_URL ? createPrometheusSource({ url: c.DIAG_PROMETHEUS_URL, instanceTemplate: c.DIAG_PROMETHEUS_INSTANCE_TEMPLATE, timeoutMs: this.timeoutMs }) : null;
    this.sem = new Semaphore(options.concurrency ?? c.DIAG_CONCURRENCY);
    this.rate = new RateLimiter(options.probesPerSecond ?? c.DIAG_PROBES_PER_SECOND);
    this.resolve = createMicroBatcher((targets: string[]) => resolveTargets(this.ctx.db, targets), { windowMs: 2, maxBatch: 500 });
    this.evidence = createMicroBatcher(async (list: HostRecord[]) => {
      const since = new Date(this.ctx.clock.now() - c.DIAG_HISTORY_MINUTES * 60_000);
      const m = await loadEvidence(this.ctx.db, list, { since });
      return list.map((h) => m.get(h.id)!);
    }, { windowMs: 2, maxBatch: 250 });
    this.persist = createMicroBatcher(async (list: Diagnosis[]) => {
      await insertDiagnoses(this.ctx.db, list);
      return list.map(() => undefined);
    }, { windowMs: 5, maxBatch: 500 });
  }

  /**
   * Diagnose a target. Concurrent and recent (within the TTL) requests for the same host
   * share one diagnosis; `force` skips the cache.
   */
  diagnose(t: DiagnoseTarget, options: { force?: boolean } = {}): Promise<Diagnosis> {
    return this.begin(t, options).promise;
  }

  /** Start (or join) a diagnosis and return its id at once, with the promise of its result. */
  begin(t: DiagnoseTarget, options: { force?: boolean } = {}): { id: string; promise: Promise<Diagnosis> } {
    const target = t.target ?? (t.hostId !== undefined ? `#${t.hostId}` : '');
    const key = t.hostId !== undefined ? `h:${t.hostId}` : `t:${target}`;
    const hit = options.force ? undefined : this.fresh(key);
    if (hit) return hit;
    const id = randomUUID();
    const entry: CacheEntry = { id, doneAt: null, promise: Promise.resolve(null as unknown as Diagnosis) };
    entry.promise = this.sem.run(() => this.run(id, target, t, options.force ?? false, entry)).then(
      (d) => {
        entry.doneAt = Date.now();
        return d;
      },
      (err) => {
        this.cache.delete(key);
        this.byId.delete(id);
        throw err;
      },
    );
    this.remember(key, entry);
    return entry;
  }

  /** A diagnosis still running in this process, by id (GET answers "pending" for it). */
  inFlight(id: string): boolean {
    const e = this.byId.get(id);
    return !!e && e.doneAt === null;
  }

  /** The result of a diagnosis known to this process (running or cached), by id. */
  known(id: string): Promise<Diagnosis> | null {
    return this.byId.get(id)?.promise ?? null;
  }

  /** Stop accepting work. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.byId.values()].map((e) => e.promise));
  }

  private fresh(key: string): CacheEntry | undefined {
    const e = this.cache.get(key);
    if (!e) return undefined;
    if (e.doneAt !== null && Date.now() - e.doneAt > this.ttl) {
      this.cache.delete(key);
      this.byId.delete(e.id);
      return undefined;
    }
    return e;
  }

  private remember(key: string, e: CacheEntry): void {
    const prev = this.cache.get(key);
    if (prev && prev !== e && prev.doneAt !== null) this.byId.delete(prev.id);
    this.cache.set(key, e);
    this.byId.set(e.id, e);
    // Bound memory: drop expired entries when the maps grow.
    if (this.cache.size > 50_000) for (const k of [...this.cache.keys()]) this.fresh(k);
    if (this.byId.size > 50_000) {
      const now = Date.now();
      for (const [id, x] of this.byId) if (x.doneAt !== null && now - x.doneAt > this.ttl) this.byId.delete(id);
    }
  }

  private async run(id: string, target: string, t: DiagnoseTarget, force: boolean, entry: CacheEntry): Promise<Diagnosis> {
    if (this.closed) throw new Error('diagnostics engine closed');
    const started = Date.now();
    const host = t.hostId !== undefined ? await this.resolve(`#${t.hostId}`) : await this.resolve(target);
    if (host && !force) {
      // Another name of the same host may already be under diagnosis.
      const other = this.fresh(`h:${host.id}`);
      if (other && other !== entry) return other.promise;
      this.remember(`h:${host.id}`, entry);
    }
    const checks = await this.runChecks(host, target);
    const verdict = decideVerdict({
      host: host?.hostname ?? host?.ip ?? target,
      checks: checks.results,
      owner: checks.owner,
      runCode: t.runCode ?? null,
    });
    const d: Diagnosis = {
      id, target: target || `#${host?.id}`,
      host: host ? { id: host.id, ip: host.ip, sn: host.sn, hostname: host.hostname } : null,
      runId: t.runId ?? null, runCode: t.runCode ?? null,
      verdict, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, link: `/v1/diagnoses/${id}`,
    };
    try {
      await this.persist(d);
    } catch (err) {
      this.ctx.log.warn({ err, diagnosis: id }, 'diagnosis could not be persisted');
    }
    return d;
  }

  private async runChecks(host: HostRecord | null, target: string): Promise<{ results: CheckResult[]; owner: ReturnType<typeof decideVerdict>['owner'] }> {
    const c = this.ctx.config;
    const address = host?.ip ?? host?.hostname ?? (looksLikeAddress(target) ? target : null);
    const margin = this.timeoutMs + 1500;
    const started = Date.now();
    const factsPort = Number((host?.facts as { sshPort?: unknown } | undefined)?.sshPort);
    const sshPort = Number.isInteger(factsPort) && factsPort > 0 && factsPort < 65536 ? factsPort : this.sshPort;

    const probes = address
      ? [
          boundedCheck('ping', margin, this.pinger.method, async (signal) => {
            await this.rate.take();
            return this.pinger.ping(address, signal);
          }),
          boundedCheck('ssh', margin, 'tcp', async (signal) => {
            await this.rate.take();
            return checkSsh(address, { port: sshPort, timeoutMs: this.timeoutMs }, signal);
          }),
        ]
      : [
          Promise.resolve(unknownResult('ping', started, `The target ${JSON.stringify(target)} is not an address Starling can probe.`, this.pinger.method)),
          Promise.resolve(unknownResult('ssh', started, `The target ${JSON.stringify(target)} is not an address Starling can probe.`, 'tcp')),
        ];

    const since = new Date(this.ctx.clock.now() - c.DIAG_HISTORY_MINUTES * 60_000);
    const ev = host ? await this.evidence(host) : null;
    const unknownCmdb = host ? null : await lookupCmdbTarget(this.ctx.db, target);
    const now = this.ctx.clock.now();

    const agent = judgeAgent(ev?.agent ?? null, ev?.unacked ?? null, now, !!host, { staleMs: c.DIAG_HEARTBEAT_STALE_MS, unackedMs: c.DIAG_UNACKED_RUN_MS });
    const cmdb = host
      ? judgeCmdb(ev?.cmdb ?? null, { sn: host.sn, ip: host.ip, hostname: host.hostname })
      : judgeCmdb(unknownCmdb?.cmdb ?? null, null);

    const m = ev ? splitMetrics(ev.metrics) : { mounts: null, mountsAt: null, current: null, history: [] };
    const instance = this.prometheus ? this.prometheus.instanceFor({ ip: host?.ip ?? (isIP(target) ? target : null), hostname: host?.hostname ?? null, sn: host?.sn ?? null }) : null;
    const diskOpts = { maxUsedPercent: c.DIAG_DISK_MAX_USED_PERCENT, minFreeBytes: c.DIAG_DISK_MIN_FREE_BYTES };
    const loadOpts = { maxPerCore: c.DIAG_LOAD_MAX_PER_CORE, k: c.DIAG_LOAD_BASELINE_K };
    const prom = this.prometheus;
    const disk = m.mounts
      ? Promise.resolve(judgeDisk(m.mounts, 'heartbeat', diskOpts, m.mountsAt))
      : prom && instance
        ? boundedCheck('disk', margin, 'prometheus', async () => judgeDisk(await prom.readMounts(instance), 'prometheus', diskOpts))
        : Promise.resolve(judgeDisk(null, 'heartbeat', diskOpts));
    const load = m.current
      ? Promise.resolve(judgeLoad(m.current, m.history, 'heartbeat', loadOpts))
      : prom && instance
        ? boundedCheck('load', margin, 'prometheus', async () => {
            const [current, history] = await Promise.all([prom.readLoad(instance), prom.readLoadHistory(instance, c.DIAG_HISTORY_MINUTES)]);
            return judgeLoad(current, history.slice(0, -1), 'prometheus', loadOpts);
          })
        : Promise.resolve(judgeLoad(null, [], 'heartbeat', loadOpts));

    let syslog: CheckResult;
    if (ev) syslog = judgeSyslog(ev.syslog, { windowMinutes: c.DIAG_HISTORY_MINUTES, total: ev.syslogTotal, earliestAt: ev.syslogEarliest });
    else if (isIP(target)) {
      const s = await loadSenderSyslog(this.ctx.db, target, since);
      syslog = judgeSyslog(s.events, { windowMinutes: c.DIAG_HISTORY_MINUTES, total: s.total, earliestAt: s.earliest });
    } else syslog = judgeSyslog([], { windowMinutes: c.DIAG_HISTORY_MINUTES });

    const [ping, ssh, diskR, loadR] = await Promise.all([...probes, disk, load]);
    return { results: [ping!, ssh!, agent, diskR!, loadR!, syslog, cmdb], owner: ev?.owner ?? unknownCmdb?.owner ?? null };
  }
}

// One engine per context: the cache and the limits must be shared by every caller in the process.
const engines = new WeakMap<Context, DiagnosticsEngine>();

/**
 * The engine of a context, created on first use with options from its config. Contexts that
 * differ only in `db` (a transaction) are different objects: pass the root context.
 */
export function diagnosticsEngine(ctx: Context, options?: DiagnosticsEngineOptions): DiagnosticsEngine {
  let e = engines.get(ctx);
  if (!e) {
    e = new DiagnosticsEngine(ctx, options);
    engines.set(ctx, e);
  }
  return e;
}

/**
 * Diagnose one host: ping, SSH banner, agent state, disk, load, syslog and CMDB checks,
 * turned into a verdict by the rule table and persisted. Cached per host for
 * DIAG_CACHE_TTL_MS; concurrent calls for one host share one diagnosis.
 */
export function diagnoseHost(ctx: Context, target: DiagnoseTarget, options: { force?: boolean } = {}): Promise<Diagnosis> {
  return diagnosticsEngine(ctx).diagnose(target, options);
}
