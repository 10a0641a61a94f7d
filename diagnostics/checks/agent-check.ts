import { checkResult, type CheckResult } from '../types.js';

/** What Starling knows of a host's agent. */
export interface AgentFacts {
  agentId: string;
  /** `online` or `offline` as the channel last recorded. */
  state: string;
  channelId: string | null;
  lastHeartbeatAt: Date | null;
  /** Health the agent reported with its heartbeat (e.g. `{ executor: 'hung' }`). */
  health: Record<string, unknown>;
}

/** The oldest run dispatched to the agent and not yet acknowledged. */
export interface UnackedRun {
  runId: string;
  dispatchedAt: Date;
}

/** Options of {@link judgeAgent}. */
export interface AgentCheckOptions {
  /** A heartbeat older than this means the agent is not connected; default 90,000 ms. */
  staleMs?: number;
  /** A run un-acked for this long while heartbeats continue means hung; default 30,000 ms. */
  unackedMs?: number;
}

/**
 * Judge the agent: down (not connected or heartbeats stale), hung (heartbeating while a run
 * stays un-acknowledged, or the agent itself reports its executor hung), or ok.
 */
export function judgeAgent(
  agent: AgentFacts | null,
  unacked: UnackedRun | null,
  now: number,
  known: boolean,
  options: AgentCheckOptions = {},
): CheckResult {
  const started = Date.now();
  const staleMs = options.staleMs ?? 90_000;
  const unackedMs = options.unackedMs ?? 30_000;
  if (!known) return checkResult('agent', started, { status: 'unknown', summary: 'The target is unknown to Starling, so it has no agent on record.', source: 'db', evidence: {} });
  if (!agent) return checkResult('agent', started, { status: 'problem', finding: 'not-registered', summary: 'No agent has ever registered for this host.', source: 'db', evidence: { agent: null } });
  const ageMs = agent.lastHeartbeatAt ? now - agent.lastHeartbeatAt.getTime() : null;
  const evidence: Record<string, unknown> = {
    agentId: agent.agentId, state: agent.state, channelId: agent.channelId,
    lastHeartbeatAt: agent.lastHeartbeatAt?.toISOString() ?? null, heartbeatAgeMs: ageMs, health: agent.health, staleMs,
  };
  if (agent.state !== 'online' || ageMs === null || ageMs > staleMs) {
    const detail = agent.state !== 'online' ? `state ${agent.state}` : ageMs === null ? 'never heartbeated' : `last heartbeat ${Math.round(ageMs / 1000)} s ago`;
    evidence.detail = detail;
    return checkResult('agent', started, { status: 'problem', finding: 'down', summary: `The agent is not connected (${detail}).`, source: 'db', evidence });
  }
  const executor = typeof agent.health.executor === 'string' ? agent.health.executor : null;
  if (unacked && now - unacked.dispatchedAt.getTime() > unackedMs) {
    const age = now - unacked.dispatchedAt.getTime();
    Object.assign(evidence, { runId: unacked.runId, unackedForMs: age, unackedMs });
    return checkResult('agent', started, { status: 'problem', finding: 'hung', summary: `The agent heartbeats but has not acknowledged run ${unacked.runId} for ${Math.round(age / 1000)} s.`, source: 'db', evidence });
  }
  if (executor === 'hung' || executor === 'stuck') {
    Object.assign(evidence, { runId: null, unackedForMs: null });
    return checkResult('agent', started, { status: 'problem', finding: 'hung', summary: `The agent reports its executor ${executor}.`, source: 'db', evidence });
  }
  return checkResult('agent', started, { status: 'ok', summary: `The agent is online on channel ${agent.channelId ?? '?'}, last heartbeat ${Math.round((ageMs ?? 0) / 1000)} s ago.`, source: 'db', evidence });
}
