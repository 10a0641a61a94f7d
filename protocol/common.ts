import { z } from 'zod';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from './version.js';

/** Default largest frame, in bytes, either direction (room for two 64 KiB output streams and JSON escaping). */
export const DEFAULT_MAX_FRAME_BYTES = 1_048_576;

/** The protocol version field carried by every message. */
export const versionField = z.number().int().min(MIN_PROTOCOL_VERSION).max(PROTOCOL_VERSION);

/** An opaque identifier: agent, run, task, channel, nonce. */
export const idString = z.string().min(1).max(128);

/** Milliseconds since the epoch. */
export const epochMs = z.number().int().nonnegative();

/** The `{code, message}` pair that frames carry for errors (see core `errorFrame()`). */
export const errorPayload = z.object({
  code: z.string().min(1).max(128),
  message: z.string().max(4096),
});
export type ErrorPayload = z.infer<typeof errorPayload>;

/** Environment variables for a run: POSIX names, bounded count and size. */
export const envMap = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).max(256), z.string().max(32_768))
  .refine((m) => Object.keys(m).length <= 256, 'at most 256 variables');

/** One mount's usage. */
export const mountUsage = z.object({
  mount: z.string().max(4096),
  usedBytes: z.number().nonnegative(),
  totalBytes: z.number().nonnegative(),
});
export type MountUsageReport = z.infer<typeof mountUsage>;

/** Basic host metrics an agent reports with every heartbeat. */
export const hostMetrics = z.object({
  /** 1, 5 and 15 minute load averages. */
  load: z.tuple([z.number(), z.number(), z.number()]),
  cpus: z.number().int().nonnegative(),
  mounts: z.array(mountUsage).max(256),
  memTotalBytes: z.number().nonnegative().optional(),
  memAvailableBytes: z.number().nonnegative().optional(),
});
export type HostMetrics = z.infer<typeof hostMetrics>;

/** State of the agent's executor: `ok`, `hung` (detected, recovering) or `recovered` (healed since start). */
export const executorHealth = z.object({
  state: z.enum(['ok', 'hung', 'recovered']),
  running: z.number().int().nonnegative(),
  queued: z.number().int().nonnegative(),
  /** How many times the executor was found hung and restarted since the agent started. */
  hangs: z.number().int().nonnegative(),
  lastProgressAt: epochMs.nullable(),
});
export type ExecutorHealth = z.infer<typeof executorHealth>;

/** The agent's own health. */
export const agentHealth = z.object({
  version: z.string().max(64),
  uptimeMs: z.number().int().nonnegative(),
  executor: executorHealth,
  /** Finished runs whose result the proxy has not acknowledged yet. */
  unreportedResults: z.number().int().nonnegative(),
  rssBytes: z.number().int().nonnegative().optional(),
});
export type AgentHealth = z.infer<typeof agentHealth>;
