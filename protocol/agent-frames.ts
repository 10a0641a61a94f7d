import { z } from 'zod';
import { agentHealth, envMap, epochMs, errorPayload, hostMetrics, idString, versionField } from './common.js';

/** Largest stdout or stderr a result may carry, per stream (the agent's cap must not exceed it). */
export const MAX_OUTPUT_BYTES = 262_144;

// ---------- agent → channel ----------

/** First frame on a connection: the agent's identity and credential. */
export const helloFrame = z.object({
  type: z.literal('hello'),
  v: versionField,
  agentId: idString,
  credential: z.string().min(1).max(512),
  agentVersion: z.string().min(1).max(64),
});
export type HelloFrame = z.infer<typeof helloFrame>;

/** Periodic liveness with the agent's own health and basic host metrics. */
export const heartbeatFrame = z.object({
  type: z.literal('heartbeat'),
  v: versionField,
  seq: z.number().int().nonnegative(),
  at: epochMs,
  health: agentHealth,
  metrics: hostMetrics,
});
export type HeartbeatFrame = z.infer<typeof heartbeatFrame>;

/** The agent received a run and took charge of it (sent at once, before execution). */
export const runAckFrame = z.object({
  type: z.literal('run.ack'),
  v: versionField,
  runId: idString,
  /** True when the agent had already seen this run id (nothing is executed again). */
  duplicate: z.boolean(),
  at: epochMs,
});
export type RunAckFrame = z.infer<typeof runAckFrame>;

/** Terminal outcome of a run as the agent saw it. Mirrors the proxy's terminal run states. */
export const RUN_OUTCOMES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** How a run ended. `error` is set for every outcome but SUCCEEDED. */
export const runResultFrame = z.object({
  type: z.literal('run.result'),
  v: versionField,
  runId: idString,
  taskId: idString,
  outcome: z.enum(RUN_OUTCOMES),
  exitCode: z.number().int().nullable(),
  signal: z.string().max(32).nullable(),
  durationMs: z.number().int().nonnegative(),
  startedAt: epochMs.nullable(),
  finishedAt: epochMs,
  stdout: z.string(),
  stderr: z.string(),
  stdoutTruncated: z.boolean(),
  stderrTruncated: z.boolean(),
  error: errorPayload.nullable(),
});
export type RunResultFrame = z.infer<typeof runResultFrame>;

// ---------- channel → agent ----------

/** Answer to a good hello. */
export const welcomeFrame = z.object({
  type: z.literal('welcome'),
  v: versionField,
  channelId: idString,
  heartbeatMs: z.number().int().min(100).max(3_600_000),
  serverTime: epochMs,
});
export type WelcomeFrame = z.infer<typeof welcomeFrame>;

/**
 * A signed run. Exactly one of `command` (run by `/bin/sh -c`) and `argv` is set. The
 * signature covers every field but `type`, `signature` and `batch` (see `canonicalDispatchBytes`),
 * either directly or through a batch's Merkle root (see `signDispatchBatch`).
 */
export const runDispatchFrame = z
  .object({
    type: z.literal('run.dispatch'),
    v: versionField,
    runId: idString,
    taskId: idString,
    /** The agent the run is signed for; any other agent refuses it. */
    agentId: idString,
    command: z.string().min(1).max(131_072).nullable(),
    argv: z.array(z.string().max(32_768)).min(1).max(4096).nullable(),
    timeoutMs: z.number().int().min(1).max(7 * 24 * 3_600_000),
    cwd: z.string().min(1).max(4096).nullable(),
    env: envMap.nullable(),
    user: z.string().min(1).max(64).nullable(),
    /** Epoch ms after which the run must not start. */
    deadline: epochMs,
    issuedAt: epochMs,
    nonce: z.string().min(8).max(128),
    keyId: idString,
    /** Ed25519 signature, base64url. */
    signature: z.string().min(1).max(256),
    /**
     * Present when the signature covers a whole batch (one task's runs) through a Merkle root:
     * this run's leaf position, the batch size and the sibling hashes (base64url) up to the
     * root. See `signDispatchBatch`. Absent: the signature covers this run alone.
     */
    batch: z
      .object({
        index: z.number().int().nonnegative(),
        size: z.number().int().positive().max(1_000_000),
        proof: z.array(z.string().min(1).max(64)).max(40),
      })
      .refine((b) => b.index < b.size, 'index must be below size')
      .optional(),
  })
  .refine((d) => (d.command === null) !== (d.argv === null), 'exactly one of command and argv must be set');
export type RunDispatchFrame = z.infer<typeof runDispatchFrame>;

/** The proxy committed these runs' results: the agent may forget them. */
export const resultAckFrame = z.object({
  type: z.literal('result.ack'),
  v: versionField,
  runIds: z.array(idString).min(1).max(10_000),
});
export type ResultAckFrame = z.infer<typeof resultAckFrame>;

/** Reconnect elsewhere: the channel is over-full or shutting down. */
export const rebalanceFrame = z.object({
  type: z.literal('rebalance'),
  v: versionField,
  reason: z.enum(['over_capacity', 'shutdown', 'requested']),
  /** Spread the reconnect uniformly over this many ms. */
  withinMs: z.number().int().nonnegative().max(600_000),
  /** Re-register for a fresh channel list before reconnecting. */
  reregister: z.boolean(),
});
export type RebalanceFrame = z.infer<typeof rebalanceFrame>;

/** An error about a frame or the connection; `runId` when it concerns one run. */
export const errorFrameSchema = z.object({
  type: z.literal('error'),
  v: versionField,
  error: errorPayload,
  runId: idString.optional(),
});
export type ErrorFrameMessage = z.infer<typeof errorFrameSchema>;

/** Every frame an agent may send to a channel. */
export const agentToChannel = z.discriminatedUnion('type', [helloFrame, heartbeatFrame, runAckFrame, runResultFrame, errorFrameSchema]);
export type AgentToChannel = z.infer<typeof agentToChannel>;

/** Every frame a channel may send to an agent. */
export const channelToAgent = z.discriminatedUnion('type', [welcomeFrame, runDispatchFrame, resultAckFrame, rebalanceFrame, errorFrameSchema]);
export type ChannelToAgent = z.infer<typeof channelToAgent>;

/** WebSocket close codes the channel uses. */
export const CLOSE_CODES = {
  /** Normal close (shutdown, rebalance). */
  normal: 1000,
  /** Going away: the channel shuts down. */
  goingAway: 1001,
  /** Internal error (the credential check failed): retry. */
  internal: 1011,
  /** Credential does not verify: re-register. */
  authFailed: 4401,
  /** No hello in time. */
  authTimeout: 4408,
  /** A newer connection of the same agent replaced this one. */
  replaced: 4409,
  /** Protocol version not supported. */
  unsupported: 4426,
  /** Channel full: connect elsewhere. */
  full: 4503,
} as const;
