import { z } from 'zod';
import { runDispatchFrame, runResultFrame } from './agent-frames.js';
import { agentHealth, DEFAULT_MAX_FRAME_BYTES, epochMs, errorPayload, hostMetrics, idString, versionField } from './common.js';

// ---------- proxy → channel (one stream per channel) ----------

/** Deliver a signed run to the agent `frame.agentId` on this channel. */
export const dispatchMessage = z.object({
  type: z.literal('run.dispatch'),
  v: versionField,
  frame: runDispatchFrame,
});
export type DispatchMessage = z.infer<typeof dispatchMessage>;

/**
 * A signed run for `agentId`, already encoded: `frame` is the JSON text of its `RunDispatchFrame`,
 * forwarded to the agent byte for byte (the agent parses, size-checks and verifies it). The
 * proxy encodes each frame once; the channel then neither decodes, validates nor re-encodes
 * the frame (at 10,000 runs that was most of its work). `runId` and `deadline` copy the frame's
 * (the channel reports the run undeliverable, and remembers its lane, by them).
 */
export const encodedDispatchMessage = z.object({
  type: z.literal('run.dispatch.encoded'),
  v: versionField,
  agentId: idString,
  runId: idString,
  deadline: epochMs,
  frame: z.string().min(2).max(DEFAULT_MAX_FRAME_BYTES),
});
export type EncodedDispatchMessage = z.infer<typeof encodedDispatchMessage>;

/** The proxy committed these results: forward `result.ack` to the agent. */
export const resultAckMessage = z.object({
  type: z.literal('result.ack'),
  v: versionField,
  agentId: idString,
  runIds: z.array(idString).min(1).max(10_000),
});
export type ResultAckMessage = z.infer<typeof resultAckMessage>;

/** Ask the channel to move `shed` idle agents elsewhere (the proxy sees every channel's load). */
export const shedMessage = z.object({
  type: z.literal('channel.shed'),
  v: versionField,
  shed: z.number().int().positive().max(1_000_000),
  withinMs: z.number().int().nonnegative().max(600_000),
});
export type ShedMessage = z.infer<typeof shedMessage>;

/** Everything the proxy sends to a channel. */
export const proxyToChannel = z.discriminatedUnion('type', [dispatchMessage, resultAckMessage, shedMessage, encodedDispatchMessage]);
export type ProxyToChannel = z.infer<typeof proxyToChannel>;

// ---------- channel → proxy (one results stream) ----------

/** A channel's liveness and load, sent at start and every status interval. */
export const channelStatusMessage = z.object({
  type: z.literal('channel.status'),
  v: versionField,
  channelId: idString,
  idc: z.string().min(1).max(64),
  url: z.string().max(2048),
  connections: z.number().int().nonnegative(),
  capacity: z.number().int().nonnegative(),
  startedAt: epochMs,
  at: epochMs,
  /** False in the last status a channel sends when it shuts down cleanly. */
  up: z.boolean(),
});
export type ChannelStatusMessage = z.infer<typeof channelStatusMessage>;

/**
 * Routing changes since the last batch: agents that connected to or left this channel.
 * `reset` (first batch after a channel start) means "no agent was on this channel before
 * these changes". The proxy applies `offline` only where the agent's channel is still this
 * one, so a late offline from an old channel never undoes a newer online elsewhere.
 */
export const routeChangesMessage = z.object({
  type: z.literal('route.changes'),
  v: versionField,
  channelId: idString,
  at: epochMs,
  reset: z.boolean(),
  online: z.array(z.object({ agentId: idString, since: epochMs, agentVersion: z.string().max(64) })),
  offline: z.array(z.object({ agentId: idString, since: epochMs })),
});
export type RouteChangesMessage = z.infer<typeof routeChangesMessage>;

/** Latest heartbeat of each agent that sent one in the batch window (older ones coalesced away). */
export const heartbeatsMessage = z.object({
  type: z.literal('agent.heartbeats'),
  v: versionField,
  channelId: idString,
  items: z.array(z.object({ agentId: idString, at: epochMs, health: agentHealth, metrics: hostMetrics })),
});
export type HeartbeatsMessage = z.infer<typeof heartbeatsMessage>;

/** The agent acknowledged a run (it is in the agent's hands now). */
export const runAckedMessage = z.object({
  type: z.literal('run.ack'),
  v: versionField,
  channelId: idString,
  agentId: idString,
  runId: idString,
  duplicate: z.boolean(),
  at: epochMs,
});
export type RunAckedMessage = z.infer<typeof runAckedMessage>;

/**
 * A run's result from the agent; answer with `result.ack` once committed. `ackedAt` is set when
 * the agent's `run.ack` (not a duplicate) arrived in the same batch window as the result: the
 * channel then sends no separate `run.ack` message, and this one stands for both.
 */
export const runResultMessage = z.object({
  type: z.literal('run.result'),
  v: versionField,
  channelId: idString,
  agentId: idString,
  result: runResultFrame,
  ackedAt: epochMs.optional(),
});
export type RunResultMessage = z.infer<typeof runResultMessage>;

/** The channel could not hand a dispatch to its agent (e.g. CHANNEL-ENV-AGENT_OFFLINE). */
export const undeliverableMessage = z.object({
  type: z.literal('run.undeliverable'),
  v: versionField,
  channelId: idString,
  agentId: idString,
  runId: idString,
  error: errorPayload,
  at: epochMs,
});
export type UndeliverableMessage = z.infer<typeof undeliverableMessage>;

/** Everything a channel sends to the proxies. */
export const channelToProxy = z.discriminatedUnion('type', [
  channelStatusMessage, routeChangesMessage, heartbeatsMessage, runAckedMessage, runResultMessage, undeliverableMessage,
]);
export type ChannelToProxy = z.infer<typeof channelToProxy>;
