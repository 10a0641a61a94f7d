import { StarlingError } from '../core/index.js';
import { findFindings, latestSucceededRunId, listReconcileRuns, requestReconcile, getReconcileRun, type ReconcileRun } from '../cmdb-sync/index.js';
import { diagnoseHost, type Diagnosis } from '../diagnostics/index.js';
import type { Context } from '../runtime/index.js';
import type { BotServices, CheckView, CmdbView, DiagnosisView, OwnerView, ReconcileView } from './command/services.js';

/** Map a diagnostics verdict to what the robot shows. */
export function diagnosisView(d: Diagnosis): DiagnosisView {
  const v = d.verdict;
  const owner: OwnerView | undefined = v.owner
    ? { name: v.owner.name, userIds: v.owner.dingtalkUserId ? [v.owner.dingtalkUserId] : [], mobiles: v.owner.mobile ? [v.owner.mobile] : [] }
    : undefined;
  const checks: CheckView[] = v.evidence.map((c) => ({
    name: c.check,
    status: c.status === 'ok' ? 'ok' : c.status === 'problem' ? 'fail' : 'unknown',
    detail: c.summary,
  }));
  return {
    host: d.host?.hostname ?? d.host?.ip ?? d.target,
    code: v.code,
    cause: v.cause.zh && v.cause.zh !== v.cause.en ? `${v.cause.en} / ${v.cause.zh}` : v.cause.en,
    action: v.action.en ? (v.action.zh && v.action.zh !== v.action.en ? `${v.action.en} / ${v.action.zh}` : v.action.en) : undefined,
    checks,
    owner,
    id: d.id,
  };
}

function reconcileView(r: ReconcileRun): ReconcileView {
  return {
    id: String(r.id),
    state: r.status,
    startedAt: r.startedAt?.toISOString(),
    finishedAt: r.finishedAt?.toISOString(),
    findings: { ...r.counts, ...Object.fromEntries(Object.entries(r.diff).map(([k, n]) => [`diff ${k}`, n])) },
  };
}

/**
 * The robot's services from the components that exist today, for the composition root:
 * `diag` → diagnostics' diagnoseHost; `cmdb` → the latest reconciliation's findings for an IP or
 * SN; `reconcile last|run` → cmdb-sync's runs. Host and task lookups come from the proxy and
 * are added by the composition root (cli/server-parts.ts); without them those commands answer
 * BOT-SYS-FEATURE_UNAVAILABLE.
 * Pass the root context (not a transaction).
 */
export function componentBotServices(ctx: Context): BotServices {
  return {
    diagnoseHost: async (target) => diagnosisView(await diagnoseHost(ctx, { target: target.value })),
    compareCmdb: async (target): Promise<CmdbView | null> => {
      if (target.kind === 'hostname') {
        throw new StarlingError('BOT-USR-BAD_ARGUMENT', { argument: 'cmdb target', value: target.raw, reason: 'the CMDB comparison looks hosts up by IP or SN' });
      }
      const runId = await latestSucceededRunId(ctx);
      if (runId === null) return null;
      const filter = target.kind === 'sn' ? { sn: target.value } : { ip: target.value };
      const { items } = await findFindings(ctx, runId, { ...filter, limit: 20 });
      const f = items[0];
      if (!f) return null;
      return {
        host: f.hostname ?? target.value,
        fields: [
          { field: 'SN', cmdb: f.cmdb.sn, agent: f.host.sn, match: f.cmdb.sn === f.host.sn },
          { field: 'IP', cmdb: f.cmdb.ip, agent: f.host.ip, match: f.cmdb.ip === f.host.ip },
        ],
        findings: items.map((x) => ({ code: x.kind, message: `${x.state}, ${x.side} side` })),
        owner: f.owner ? { name: f.owner.name, userIds: f.owner.dingtalkUserId ? [f.owner.dingtalkUserId] : [] } : undefined,
      };
    },
    lastReconcile: async () => {
      const [r] = await listReconcileRuns(ctx, { limit: 1 });
      return r ? reconcileView(r) : null;
    },
    runReconcile: async (requester) => {
      const id = await requestReconcile(ctx, 'bot', `bot:${requester.platform}:${requester.senderId}`);
      return reconcileView(await getReconcileRun(ctx, id));
    },
  };
}
