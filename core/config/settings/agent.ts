import { z } from 'zod';
import { positiveInt, setting } from '../setting.js';

/** Settings of `starling agent` (flags win over them). The enrolment token is AGENT_ENROLMENT_TOKEN (proxy settings). */
export const agentSettings = {
  AGENT_SERVER: setting({
    schema: z.string().regex(/^https?:\/\//, 'must start with http:// or https://'),
    doc: 'Proxy URL the agent registers with (POST /v1/agents/register). The --server flag wins.',
    allowed: 'an http:// or https:// URL',
  }),
  AGENT_IDC: setting({
    schema: z.string().min(1).max(64),
    doc: 'IDC label the agent sends at registration; the proxy offers that IDC\'s channels. The --idc flag wins.',
    allowed: 'a non-empty label of at most 64 characters',
  }),
  AGENT_STATE_DIR: setting({
    schema: z.string().min(1),
    doc: 'Directory of the agent\'s identity and run journal. Unset: /var/lib/starling-agent as root, else ~/.starling-agent.',
    allowed: 'a directory path',
  }),
  AGENT_CONCURRENCY: setting({
    schema: positiveInt, default: 16,
    doc: 'Runs the agent executes at once; more wait in its queue.',
    allowed: 'a positive integer',
  }),
  AGENT_OUTPUT_CAP_BYTES: setting({
    schema: z.coerce.number().int().min(1024).max(262_144), default: 65_536,
    doc: 'Bytes of stdout and of stderr kept per run; the rest is dropped and the result says truncated.',
    allowed: 'an integer from 1024 to 262144',
  }),
  AGENT_KILL_GRACE_MS: setting({
    schema: positiveInt, default: 5000,
    doc: 'After a run\'s timeout the agent sends SIGTERM to its process group, then SIGKILL after this many ms.',
    allowed: 'a positive integer (milliseconds)',
  }),
  AGENT_HANG_GRACE_MS: setting({
    schema: positiveInt, default: 30_000,
    doc: 'A run still unfinished this long after its timeout plus kill grace means the executor hung: the run is abandoned (AGENT-SYS-EXECUTOR_HUNG) and the executor heals.',
    allowed: 'a positive integer (milliseconds)',
  }),
  AGENT_FACTS_INTERVAL_MS: setting({
    schema: z.coerce.number().int().min(0), default: 3_600_000,
    doc: 'The agent collects its facts (SN, IP, hostname, with provenance) again this often, and once at start when a saved identity skips registration; only when they differ from the facts the proxy last accepted does it re-register, keeping its channel connection, and the host\'s fact history records the change. 0: facts are sent only when the agent registers anyway.',
    allowed: 'a non-negative integer (milliseconds)',
  }),
};
