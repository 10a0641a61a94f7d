import type { HostTarget } from './target.js';

/**
 * The people who own a host: whom a reply @-mentions. Ids are the chat platform's user ids
 * (DingTalk staffId); mobiles are phone numbers.
 */
export interface OwnerView {
  name?: string | undefined;
  userIds?: string[] | undefined;
  mobiles?: string[] | undefined;
}

/** One check of a diagnosis as the robot shows it. */
export interface CheckView {
  /** e.g. `reachable`, `ssh`, `disk`, `load`, `crashed`, `agent`. */
  name: string;
  /** `ok`, `fail`, or `unknown` when the check could not run. */
  status: 'ok' | 'fail' | 'unknown';
  detail?: string | undefined;
}

/** A diagnosis verdict, as produced by the diagnostics component and adapted by the composition root. */
export interface DiagnosisView {
  /** Host name or address as resolved. */
  host: string;
  /** The verdict's error code (e.g. `DIAG-ENV-HOST_DOWN`), or null when the host is healthy. */
  code: string | null;
  cause: string;
  action?: string | undefined;
  checks: CheckView[];
  owner?: OwnerView | undefined;
  /** Id of the stored diagnosis, for the link to the full record. */
  id?: string | undefined;
}

/** Host facts, agent state and owner. */
export interface HostView {
  host: string;
  ip?: string | undefined;
  sn?: string | undefined;
  idc?: string | undefined;
  agent: { state: string; lastSeen?: string | undefined; version?: string | undefined };
  facts?: Record<string, string> | undefined;
  owner?: OwnerView | undefined;
}

/** A task's state counts and failed hosts. */
export interface TaskView {
  id: string;
  state: string;
  counts: Record<string, number>;
  failed: Array<{ host: string; code: string; message?: string | undefined }>;
  /** Failed hosts beyond the ones listed. */
  moreFailed?: number | undefined;
}

/** CMDB record against agent facts, field by field. */
export interface CmdbView {
  host: string;
  fields: Array<{ field: string; cmdb: string | null; agent: string | null; match: boolean }>;
  findings?: Array<{ code: string; message: string }> | undefined;
  owner?: OwnerView | undefined;
}

/** A reconciliation run summary. */
export interface ReconcileView {
  id: string;
  state: string;
  startedAt?: string | undefined;
  finishedAt?: string | undefined;
  findings: Record<string, number>;
}

/** Who asked, for services that audit (reconcile run). */
export interface Requester {
  platform: string;
  senderId: string;
  senderName: string;
  conversationId: string;
}

/**
 * What the command core may call, injected by the composition root. Each member is optional:
 * when a component is not built or not deployed the member is absent and the command answers
 * BOT-SYS-FEATURE_UNAVAILABLE instead of guessing. Lookups resolve to null when nothing matches.
 * A service throws a StarlingError to report a catalogued failure; its code is shown as is.
 */
export interface BotServices {
  diagnoseHost?: (target: HostTarget, signal: AbortSignal) => Promise<DiagnosisView | null>;
  lookupHost?: (target: HostTarget, signal: AbortSignal) => Promise<HostView | null>;
  lookupTask?: (taskId: string, signal: AbortSignal) => Promise<TaskView | null>;
  compareCmdb?: (target: HostTarget, signal: AbortSignal) => Promise<CmdbView | null>;
  lastReconcile?: (signal: AbortSignal) => Promise<ReconcileView | null>;
  runReconcile?: (requester: Requester, signal: AbortSignal) => Promise<ReconcileView>;
}
