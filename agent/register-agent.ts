import { StarlingError } from '../core/index.js';
import {
  MAX_REGISTER_BYTES, PROTOCOL_VERSION, REGISTER_PATH, registeredResponse, type AgentFacts, type RegisteredResponse,
  type RegisterRequest,
} from '../protocol/index.js';
import { postJson } from './post-json.js';

/** Options of {@link registerAgent}. */
export interface RegisterAgentOptions {
  /** Proxy base URL, e.g. `http://proxy:8080`. */
  server: string;
  idc: string | null;
  agentVersion: string;
  facts: AgentFacts;
  /** Shared enrolment token, sent as `Authorization: Bearer`. */
  enrolmentToken?: string | undefined;
  /** The identity held from an earlier registration. */
  agentId?: string | undefined;
  credential?: string | undefined;
  leavingChannelId?: string | undefined;
  /** Default 10,000 ms. */
  timeoutMs?: number;
  /** Aborts the request (agent shutdown). */
  signal?: AbortSignal;
}

/**
 * Register with the ConfigService: `POST {server}/v1/agents/register`. Resolves with the
 * validated `registered` answer; any failure (network, non-2xx, invalid answer) throws
 * AGENT-DEP-REGISTRATION_FAILED with the reason (the problem document's code when the proxy sent one).
 */
export async function registerAgent(o: RegisterAgentOptions): Promise<RegisteredResponse> {
  const body: RegisterRequest = {
    type: 'register', v: PROTOCOL_VERSION, idc: o.idc, agentVersion: o.agentVersion, facts: o.facts,
    ...(o.agentId && { agentId: o.agentId }), ...(o.credential && { credential: o.credential }),
    ...(o.leavingChannelId && { leavingChannelId: o.leavingChannelId }),
  };
  if (Buffer.byteLength(JSON.stringify(body)) > MAX_REGISTER_BYTES) delete body.facts.collected;
  const url = new URL(REGISTER_PATH, o.server).toString();
  const fail = (reason: string) => new StarlingError('AGENT-DEP-REGISTRATION_FAILED', { server: o.server, reason });
  let res;
  try {
    res = await postJson(url, body, {
      timeoutMs: o.timeoutMs ?? 10_000,
      ...(o.signal && { signal: o.signal }),
      headers: o.enrolmentToken ? { authorization: `Bearer ${o.enrolmentToken}` } : {},
    });
  } catch (err) {
    throw fail((err as Error).message);
  }
  if (res.status < 200 || res.status >= 300) {
    const problem = res.body as { code?: unknown; detail?: unknown } | null;
    throw fail(`HTTP ${res.status}${problem?.code ? ` ${String(problem.code)}` : ''}${problem?.detail ? `: ${String(problem.detail)}` : ''}`);
  }
  const parsed = registeredResponse.safeParse(res.body);
  if (!parsed.success) throw fail(`invalid answer: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
  return parsed.data;
}
