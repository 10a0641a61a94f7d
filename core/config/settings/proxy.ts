import { z } from 'zod';
import { port, positiveInt, setting } from '../setting.js';

/** Settings of the proxy: agent enrolment, the run lifecycle timers, lanes and the embedded channel. */
export const proxySettings = {
  AGENT_ENROLMENT_TOKEN: setting({
    schema: z.string().min(16, 'must be at least 16 characters'),
    doc: 'Shared token agents present (Authorization: Bearer) to POST /v1/agents/register. Unset: registration is refused.',
    allowed: 'a string of at least 16 characters',
    secret: true,
  }),
  AGENT_HEARTBEAT_MS: setting({
    schema: positiveInt.min(1000).max(3_600_000), default: 30_000,
    doc: 'Heartbeat interval handed to agents at registration, in milliseconds.',
    allowed: 'an integer from 1000 to 3600000 (milliseconds)',
  }),
  PROXY_ACK_TIMEOUT_MS: setting({
    schema: positiveInt, default: 5000,
    doc: 'A dispatched run that the agent has not acknowledged after this long is sent again (re-routed when the agent moved).',
    allowed: 'a positive integer (milliseconds)',
  }),
  PROXY_SWEEP_INTERVAL_MS: setting({
    schema: positiveInt, default: 1000,
    doc: 'How often the run sweeper looks for unacknowledged dispatches, expired runs and runs of vanished agents.',
    allowed: 'a positive integer (milliseconds)',
  }),
  PROXY_AGENT_GRACE_MS: setting({
    schema: positiveInt, default: 60_000,
    doc: 'A run whose agent has been offline this long ends FAILED with CHANNEL-ENV-AGENT_OFFLINE (agents reconnecting sooner keep their runs).',
    allowed: 'a positive integer (milliseconds)',
  }),
  PROXY_RESULT_GRACE_MS: setting({
    schema: positiveInt, default: 3000,
    doc: 'Extra time after a run\'s timeout for the agent\'s own result to arrive before the proxy ends the run TIMED_OUT.',
    allowed: 'a positive integer (milliseconds)',
  }),
  PROXY_INTERACTIVE_MAX_TARGETS: setting({
    schema: positiveInt, default: 100,
    doc: 'Tasks with at most this many targets, or any task with `wait`, travel in the interactive lane; larger ones in the bulk lane.',
    allowed: 'a positive integer',
  }),
  PROXY_MAX_WAIT_S: setting({
    schema: positiveInt.max(3600), default: 300,
    doc: 'Longest `wait` a POST /v1/tasks request may ask for, in seconds.',
    allowed: 'an integer from 1 to 3600 (seconds)',
  }),
  PROXY_WAIT_EXPLAIN_MAX: setting({
    schema: z.coerce.number().int().min(0).max(1000), default: 20,
    doc: 'How many failed runs of a `wait` response get a diagnosis inline (cause, owner, evidence), concurrently within one diagnosis budget; the rest keep their plain problem document and are diagnosed in the background.',
    allowed: 'an integer from 0 to 1000',
  }),
  PROXY_TASK_RETENTION_DAYS: setting({
    schema: positiveInt.max(36_500), default: 30,
    doc: 'Tasks created longer ago than this, and their runs, are deleted by the daily prune job (in chunks of 50,000 runs).',
    allowed: 'an integer from 1 to 36500 (days)',
  }),
  EMBEDDED_CHANNEL_PORT: setting({
    schema: port, default: 0,
    doc: 'Port of the channel that `starling server` runs inside itself (0 picks a free one; registration hands out the real URL).',
    allowed: 'an integer from 0 to 65535',
  }),
  EMBEDDED_CHANNEL_IDC: setting({
    schema: z.string().min(1).max(64), default: 'default',
    doc: 'IDC served by the channel inside `starling server`; agents registering without an IDC are given this one.',
    allowed: 'a non-empty name of at most 64 characters',
  }),
  TRANSPORT_PREFIX: setting({
    schema: z.string().min(1).max(100), default: 'starling',
    doc: 'Key prefix of the Redis Streams between proxy and channels; every proxy and channel of one installation must use the same.',
    allowed: 'a non-empty string',
  }),
  TRANSPORT_CLAIM_IDLE_MS: setting({
    schema: positiveInt, default: 30_000,
    doc: 'Results a proxy read but did not acknowledge (it died) are taken over by another proxy after this long, ms.',
    allowed: 'a positive integer (milliseconds)',
  }),
};
