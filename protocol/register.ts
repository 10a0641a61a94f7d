import { z } from 'zod';
import { epochMs, idString, versionField } from './common.js';

/** HTTP path of the ConfigService registration endpoint on the proxy. */
export const REGISTER_PATH = '/v1/agents/register';

/** Largest registration request body the agent sends (and the proxy should accept). */
export const MAX_REGISTER_BYTES = 262_144;

/**
 * The agent's identity facts as it sees them. `collected` carries the collector's full
 * output (values with provenance) when the collector ran; the proxy may store it as-is.
 */
export const agentFacts = z.object({
  hostname: z.string().max(255).nullable(),
  /** The primary IP (default-route interface), or null when none is usable. */
  ip: z.string().max(64).nullable(),
  /** Every address the agent found, primary first. */
  ips: z.array(z.string().max(64)).max(256),
  /** Serial number, or null when the collector found no valid one. */
  sn: z.string().max(128).nullable(),
  collected: z.record(z.string(), z.unknown()).optional(),
});
export type AgentFacts = z.infer<typeof agentFacts>;

/**
 * `POST /v1/agents/register` request body. Headers: `Authorization: Bearer <enrolment token>`.
 * A re-registering agent also sends the `agentId` and `credential` it holds, so the proxy
 * keeps its identity (it may still issue a new credential).
 */
export const registerRequest = z.object({
  type: z.literal('register'),
  v: versionField,
  idc: z.string().min(1).max(64).nullable(),
  agentVersion: z.string().min(1).max(64),
  facts: agentFacts,
  agentId: idString.optional(),
  credential: z.string().min(1).max(512).optional(),
  /** Channel the agent just lost or was asked to leave: the proxy may rank it last. */
  leavingChannelId: idString.optional(),
});
export type RegisterRequest = z.infer<typeof registerRequest>;

/** One channel endpoint offered to an agent. `load` is connections / capacity (0 when capacity is 0 or unknown). */
export const channelEndpoint = z.object({
  id: idString,
  url: z.string().regex(/^wss?:\/\//).max(2048),
  load: z.number().nonnegative(),
  connections: z.number().int().nonnegative().optional(),
  capacity: z.number().int().nonnegative().optional(),
});
export type ChannelEndpoint = z.infer<typeof channelEndpoint>;

/** A proxy run-signing public key: Ed25519, SPKI DER, base64. */
export const signingPublicKey = z.object({
  keyId: idString,
  publicKey: z.string().min(1).max(1024),
});
export type SigningPublicKey = z.infer<typeof signingPublicKey>;

/**
 * `POST /v1/agents/register` 200 response body: the agent's identity and credential, the
 * channels of its IDC ordered by load (least loaded first), the heartbeat interval and the
 * public keys that sign runs.
 */
export const registeredResponse = z.object({
  type: z.literal('registered'),
  v: versionField,
  agentId: idString,
  /** Secret the agent presents in `hello`; the proxy stores only its hash. */
  credential: z.string().min(16).max(512),
  hostId: z.union([z.number().int(), z.string().max(64)]),
  heartbeatMs: z.number().int().min(1000).max(3_600_000),
  channels: z.array(channelEndpoint).max(1024),
  signingKeys: z.array(signingPublicKey).min(1).max(16),
  serverTime: epochMs,
});
export type RegisteredResponse = z.infer<typeof registeredResponse>;
