import type { LayerCatalog } from '../types.js';

/**
 * Errors raised by the channel: agent connections, authentication, routing, and protocol
 * frames (the protocol floor raises the FRAME codes for whichever side received the frame).
 */
export const channelErrors = {
  'CHANNEL-USR-FRAME_TOO_LARGE': {
    status: 413, retryable: false, actor: 'starling-operator',
    title: 'Protocol frame too large',
    message: 'A protocol frame of {size} bytes exceeds the limit of {limit} bytes.',
    remedy: 'Lower the output cap of the agent or raise CHANNEL_MAX_FRAME_BYTES; the frame was dropped, the connection kept.',
  },
  'CHANNEL-USR-FRAME_MALFORMED': {
    status: 400, retryable: false, actor: 'starling-operator',
    title: 'Malformed protocol frame',
    message: 'A protocol frame is not valid JSON: {reason}',
    remedy: 'Check that agent and channel run compatible Starling versions; the frame was dropped, the connection kept.',
  },
  'CHANNEL-USR-FRAME_INVALID': {
    status: 422, retryable: false, actor: 'starling-operator',
    title: 'Invalid protocol frame',
    message: 'A protocol frame of type {frameType} failed validation: {reason}',
    remedy: 'Check that agent and channel run compatible Starling versions; the frame was dropped, the connection kept.',
  },
  'CHANNEL-USR-PROTOCOL_UNSUPPORTED': {
    status: 426, retryable: false, actor: 'host-owner',
    title: 'Protocol version not supported',
    message: 'Protocol version {version} is not supported; this side speaks versions {min} to {max}.',
    remedy: 'Upgrade the agent (or the channel) so both speak a common protocol version.',
  },
  'CHANNEL-USR-NOT_AUTHENTICATED': {
    status: 401, retryable: true, actor: 'starling-operator',
    title: 'Frame before authentication',
    message: 'A {frameType} frame arrived before the connection was authenticated.',
    remedy: 'The agent must send hello first and wait for welcome; the connection was closed.',
  },
  'CHANNEL-USR-AUTH_FAILED': {
    status: 401, retryable: false, actor: 'host-owner',
    title: 'Agent authentication failed',
    message: 'Agent {agentId} presented a credential that does not verify.',
    remedy: 'The agent re-registers with its enrolment token by itself; if it keeps failing, check the token and the agent\'s state directory.',
  },
  'CHANNEL-USR-AUTH_TIMEOUT': {
    status: 408, retryable: true, actor: 'host-owner',
    title: 'No hello in time',
    message: 'The connection sent no hello within {timeoutMs} ms.',
    remedy: 'Check the agent\'s network path to the channel; the agent reconnects by itself.',
  },
  'CHANNEL-DEP-AUTHENTICATOR_UNAVAILABLE': {
    status: 503, retryable: true, actor: 'starling-operator',
    title: 'Credential check unavailable',
    message: 'The channel could not check agent credentials: {reason}',
    remedy: 'Check the database the credential check reads; agents reconnect by themselves.',
  },
  'CHANNEL-ENV-AGENT_OFFLINE': {
    status: 503, retryable: true, actor: 'host-owner',
    title: 'Agent offline',
    message: 'Agent {agentId} is not connected to channel {channelId}.',
    remedy: 'Check that the agent runs on the host and can reach a channel of its IDC; the run is re-routed when it reconnects.',
  },
  'CHANNEL-SYS-REPLACED': {
    status: 409, retryable: true, actor: 'starling-operator',
    title: 'Connection replaced',
    message: 'Agent {agentId} opened a newer connection; this one was closed.',
    remedy: 'Nothing to do when it happens once; if it repeats, two agents share one identity (a cloned state directory).',
  },
  'CHANNEL-SYS-FULL': {
    status: 503, retryable: true, actor: 'starling-operator',
    title: 'Channel full',
    message: 'Channel {channelId} holds {connections} connections, its capacity is {capacity}.',
    remedy: 'Add a channel to the IDC or raise CHANNEL_CAPACITY; agents move to less loaded channels by themselves.',
  },
  'CHANNEL-SYS-REBALANCE': {
    status: 503, retryable: true, actor: 'starling-operator',
    title: 'Reconnect elsewhere',
    message: 'Channel {channelId} asks the agent to reconnect elsewhere: {reason}',
    remedy: 'Nothing to do: the agent re-registers and picks a less loaded channel.',
  },
  'CHANNEL-DEP-TRANSPORT_UNAVAILABLE': {
    status: 503, retryable: true, actor: 'starling-operator',
    title: 'Transport unavailable',
    message: 'The proxy-channel transport failed: {reason}',
    remedy: 'Check Redis (REDIS_URL); messages are kept and retried, nothing is lost.',
  },
} as const satisfies LayerCatalog<'CHANNEL'>;
