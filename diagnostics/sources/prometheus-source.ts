import { z } from 'zod';
import { StarlingError } from '../../core/index.js';
import type { LoadSample, MountSample } from '../types.js';

/** Options of {@link createPrometheusSource}. */
export interface PrometheusSourceOptions {
  /** Base URL, e.g. http://127.0.0.1:9090. */
  url: string;
  /** Per-request time limit in ms; default 2000. */
  timeoutMs?: number;
  /** How a host maps to node_exporter's `instance` label: `{ip}`, `{hostname}`, `{sn}` filled in; default `{ip}:9100`. */
  instanceTemplate?: string;
  /** Filesystem types never judged; default tmpfs, overlay, squashfs and friends. */
  ignoreFsTypes?: string[];
}

/** The identity fields the instance template may use. */
export interface HostIdentity {
  ip: string | null;
  hostname: string | null;
  sn: string | null;
}

const sample = z.tuple([z.number(), z.string()]);
const envelope = z.object({
  status: z.enum(['success', 'error']),
  data: z.object({ resultType: z.string(), result: z.unknown() }).optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  warnings: z.array(z.string()).optional(),
});
const vector = z.array(z.object({ metric: z.record(z.string(), z.string()), value: sample }));
const matrix = z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(sample) }));

/** One series of an instant vector. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
  at: Date;
}

/** Reads host metrics from Prometheus' HTTP API (node_exporter and blackbox_exporter names). */
export interface PrometheusSource {
  /** The node_exporter instance label for a host. */
  instanceFor(host: HostIdentity): string | null;
  /** Run an instant query. */
  query(expr: string): Promise<PromSample[]>;
  /** Run a range query over the last `minutes` with `stepSeconds` resolution. */
  queryRange(expr: string, minutes: number, stepSeconds: number): Promise<Array<{ metric: Record<string, string>; values: Array<[Date, number]> }>>;
  /** Per-mount usage: size − avail (space usable by non-root), read-only mounts excluded. */
  readMounts(instance: string): Promise<MountSample[]>;
  /** Current load1 and CPU count. */
  readLoad(instance: string): Promise<LoadSample | null>;
  /** load1 per sample over the last `minutes` (cpus from the current count). */
  readLoadHistory(instance: string, minutes: number): Promise<LoadSample[]>;
  /** blackbox `probe_success` for a target instance, or null when no series exists. */
  readProbeSuccess(instance: string, job?: string): Promise<number | null>;
}

/** Quote a label value for PromQL. */
export function promString(v: string): string {
  return JSON.stringify(v);
}

/** Parse a Prometheus sample value ("NaN", "+Inf" included). */
function num(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

/**
 * A Prometheus evidence source. Transport errors and `timeout`/`unavailable` answers raise
 * DIAG-DEP-PROMETHEUS_UNAVAILABLE; `bad_data`/`execution` (our query is wrong) raise
 * DIAG-SYS-PROMETHEUS_QUERY_REJECTED.
 */
export function createPrometheusSource(options: PrometheusSourceOptions): PrometheusSource {
  const base = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 2000;
  const template = options.instanceTemplate ?? '{ip}:9100';
  const ignore = options.ignoreFsTypes ?? ['tmpfs', 'overlay', 'squashfs', 'devtmpfs', 'ramfs', 'nsfs', 'autofs', 'fuse.lxcfs'];

  const call = async (path: string, params: Record<string, string>): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new StarlingError('DIAG-DEP-PROMETHEUS_UNAVAILABLE', { url: base, reason: (err as Error).message }, {}, { cause: err });
    }
    const text = (await res.text()).slice(0, 8 * 1024 * 1024);
    let body: z.infer<typeof envelope>;
    try {
      body = envelope.parse(JSON.parse(text));
    } catch {
      throw new StarlingError('DIAG-DEP-PROMETHEUS_UNAVAILABLE', { url: base, reason: `HTTP ${res.status} with a body that is not the Prometheus API envelope` });
    }
    if (body.status === 'error') {
      if (body.errorType === 'bad_data' || body.errorType === 'execution') {
        throw new StarlingError('DIAG-SYS-PROMETHEUS_QUERY_REJECTED', { query: params.query ?? '', errorType: body.errorType, reason: body.error ?? '' });
      }
      throw new StarlingError('DIAG-DEP-PROMETHEUS_UNAVAILABLE', { url: base, reason: `${body.errorType ?? 'error'}: ${body.error ?? ''}` });
    }
    return body.data?.result;
  };

  const query = async (expr: string): Promise<PromSample[]> => {
    const parsed = vector.safeParse(await call('/api/v1/query', { query: expr }));
    if (!parsed.success) throw new StarlingError('DIAG-SYS-PROMETHEUS_QUERY_REJECTED', { query: expr, errorType: 'shape', reason: 'result is not a vector' });
    return parsed.data.map((s) => ({ metric: s.metric, value: num(s.value[1]), at: new Date(s.value[0] * 1000) }));
  };

  const queryRange = async (expr: string, minutes: number, stepSeconds: number) => {
    const end = Date.now() / 1000;
    const parsed = matrix.safeParse(await call('/api/v1/query_range', { query: expr, start: String(end - minutes * 60), end: String(end), step: String(stepSeconds) }));
    if (!parsed.success) throw new StarlingError('DIAG-SYS-PROMETHEUS_QUERY_REJECTED', { query: expr, errorType: 'shape', reason: 'result is not a matrix' });
    return parsed.data.map((s) => ({ metric: s.metric, values: s.values.map(([t, v]) => [new Date(t * 1000), num(v)] as [Date, number]) }));
  };

  const fsSel = (instance: string) => `instance=${promString(instance)},fstype!~${promString(ignore.join('|'))},mountpoint!=""`;
  const cpuExpr = (instance: string) => `count without(cpu, mode) (node_cpu_seconds_total{instance=${promString(instance)},mode="idle"})`;

  return {
    instanceFor(host) {
      if (template.includes('{ip}') && !host.ip) return null;
      if (template.includes('{hostname}') && !host.hostname) return null;
      if (template.includes('{sn}') && !host.sn) return null;
      return template.replace('{ip}', host.ip ?? '').replace('{hostname}', host.hostname ?? '').replace('{sn}', host.sn ?? '');
    },
    query,
    queryRange,
    async readMounts(instance) {
      const [size, avail, ro] = await Promise.all([
        query(`node_filesystem_size_bytes{${fsSel(instance)}}`),
        query(`node_filesystem_avail_bytes{${fsSel(instance)}}`),
        query(`node_filesystem_readonly{${fsSel(instance)}}`),
      ]);
      const key = (m: Record<string, string>) => `${m.device}\u0000${m.mountpoint}`;
      const availBy = new Map(avail.map((s) => [key(s.metric), s.value]));
      const roBy = new Map(ro.map((s) => [key(s.metric), s.value]));
      const seen = new Set<string>();
      const out: MountSample[] = [];
      for (const s of size) {
        const mount = s.metric.mountpoint ?? '';
        const a = availBy.get(key(s.metric));
        if (a === undefined || roBy.get(key(s.metric)) === 1 || seen.has(mount) || !(s.value > 0)) continue;
        seen.add(mount);
        out.push({ mount, totalBytes: s.value, usedBytes: Math.max(0, s.value - a) });
      }
      return out;
    },
    async readLoad(instance) {
      const [load, cpus] = await Promise.all([query(`node_load1{instance=${promString(instance)}}`), query(cpuExpr(instance))]);
      const l = load[0];
      if (!l) return null;
      return { at: l.at, load1: l.value, cpus: cpus[0]?.value ?? 1 };
    },
    async readLoadHistory(instance, minutes) {
      const [series, cpus] = await Promise.all([
        queryRange(`node_load1{instance=${promString(instance)}}`, minutes, Math.max(5, Math.round((minutes * 60) / 240))),
        query(cpuExpr(instance)),
      ]);
      const n = cpus[0]?.value ?? 1;
      return (series[0]?.values ?? []).map(([at, v]) => ({ at, load1: v, cpus: n }));
    },
    async readProbeSuccess(instance, job) {
      const sel = job ? `instance=${promString(instance)},job=${promString(job)}` : `instance=${promString(instance)}`;
      const r = await query(`probe_success{${sel}}`);
      return r[0]?.value ?? null;
    },
  };
}
