import type { LayerCatalog } from '../types.js';

/** Errors raised by the chat robot: callbacks, commands and replies. */
export const botErrors = {
  // --- callback authentication (nothing is processed when these are raised) ---
  'BOT-USR-SIGNATURE_MISSING': {
    status: 401, retryable: false, actor: 'caller',
    title: 'Callback signature missing',
    message: 'The callback has no {header} header; it was not processed.',
    remedy: 'Only DingTalk may call this route; it sends the timestamp and sign headers on every callback.',
  },
  'BOT-USR-SIGNATURE_INVALID': {
    status: 401, retryable: false, actor: 'caller',
    title: 'Callback signature invalid',
    message: 'The callback sign header does not match the app secret; it was not processed.',
    remedy: 'Check that DINGTALK_APP_SECRET holds the AppSecret (ClientSecret) of the robot\'s app.',
  },
  'BOT-USR-TIMESTAMP_STALE': {
    status: 401, retryable: false, actor: 'caller',
    title: 'Callback timestamp out of range',
    message: 'The callback timestamp {timestamp} is {skewMs} ms away from server time; at most {limitMs} ms is accepted.',
    remedy: 'Synchronise the server clock (NTP); DingTalk timestamps are in milliseconds.',
  },
  // --- callback body ---
  'BOT-USR-BODY_TOO_LARGE': {
    status: 413, retryable: false, actor: 'caller',
    title: 'Robot message too large',
    message: 'The robot message exceeds the limit of {limit} bytes; it was not processed.',
    remedy: 'Robot messages are small; a body this large is not from DingTalk.',
  },
  'BOT-USR-MALFORMED_MESSAGE': {
    status: 400, retryable: false, actor: 'caller',
    title: 'Robot message is not JSON',
    message: 'The robot message is not valid JSON: {reason}',
    remedy: 'Send the callback body as a JSON object with Content-Type: application/json.',
  },
  'BOT-USR-INVALID_MESSAGE': {
    status: 422, retryable: false, actor: 'caller',
    title: 'Robot message invalid',
    message: 'The robot message lacks required fields: {reason}',
    remedy: 'A DingTalk robot message carries msgId, conversationId, msgtype and sessionWebhook.',
  },
  'BOT-USR-WEBHOOK_NOT_ALLOWED': {
    status: 422, retryable: false, actor: 'caller',
    title: 'Reply address not allowed',
    message: 'The reply address host {host} is not one of DINGTALK_WEBHOOK_HOSTS; no reply will be sent there.',
    remedy: 'DingTalk session webhooks live on oapi.dingtalk.com; add another host to DINGTALK_WEBHOOK_HOSTS only if DingTalk uses it.',
  },
  'BOT-USR-UNSUPPORTED_MESSAGE': {
    status: 422, retryable: false, actor: 'caller',
    title: 'Message type not supported',
    message: 'Starling reads text messages only; this one was {msgtype}.',
    remedy: 'Type a command as text, for example "diag 10.1.2.3" or "help".',
  },
  // --- commands ---
  'BOT-USR-UNKNOWN_COMMAND': {
    status: 400, retryable: false, actor: 'caller',
    title: 'Unknown command',
    message: 'There is no command "{command}".{hint}',
    remedy: 'Send "help" for the list of commands.',
  },
  'BOT-USR-MISSING_ARGUMENT': {
    status: 400, retryable: false, actor: 'caller',
    title: 'Command argument missing',
    message: 'The command {command} needs {argument}. Usage: {usage}',
    remedy: 'Repeat the command with the argument, as the usage line shows.',
  },
  'BOT-USR-BAD_TARGET': {
    status: 400, retryable: false, actor: 'caller',
    title: 'Not a host target',
    message: '"{target}" is not an IPv4 or IPv6 address, a serial number or a host name.',
    remedy: 'Give one host as an IP address, an SN (letters and digits) or a host name; prefix with sn: or host: to force the kind.',
  },
  'BOT-USR-BAD_ARGUMENT': {
    status: 400, retryable: false, actor: 'caller',
    title: 'Command argument invalid',
    message: 'The {argument} "{value}" is not valid: {reason}',
    remedy: 'Correct the argument; "help" shows the usage of every command.',
  },
  'BOT-USR-NOT_ALLOWED': {
    status: 403, retryable: false, actor: 'caller',
    title: 'Command not allowed here',
    message: 'The command {command} is not allowed for this sender in this conversation.',
    remedy: 'Ask a Starling operator to add the conversation to BOT_CONVERSATIONS or the sender to BOT_SENDERS.',
  },
  'BOT-USR-ACTING_DISABLED': {
    status: 403, retryable: false, actor: 'caller',
    title: 'Acting command disabled',
    message: 'The command {command} changes state and is not enabled for this sender.',
    remedy: 'Acting commands are off by default; an operator enables them with BOT_ACTING_ENABLED and BOT_ACTING_SENDERS.',
  },
  'BOT-USR-NOT_FOUND': {
    status: 404, retryable: false, actor: 'caller',
    title: 'Not found',
    message: 'No {kind} matches "{id}".',
    remedy: 'Check the identifier; hosts are found by IP, SN or host name, tasks by their id.',
  },
  'BOT-USR-ERROR_CODE_UNKNOWN': {
    status: 404, retryable: false, actor: 'caller',
    title: 'Unknown error code',
    message: 'The error code {code} is not in the catalogue.{hint}',
    remedy: 'Codes look like LAYER-CATEGORY-NAME, e.g. AGENT-ENV-DISK_FULL; GET /v1/error-codes lists them all.',
  },
  'BOT-SYS-FEATURE_UNAVAILABLE': {
    status: 501, retryable: false, actor: 'starling-operator',
    title: 'Feature not available',
    message: 'The {feature} feature is not available in this Starling installation yet.',
    remedy: 'The command will work once the component that provides it is deployed; nothing was faked.',
  },
  'BOT-SYS-NOT_CONFIGURED': {
    status: 503, retryable: false, actor: 'starling-operator',
    title: 'Robot not configured',
    message: '{feature} is not configured: set {settings}.',
    remedy: 'Set the named settings (docs/configuration.md) and restart Starling.',
  },
  'BOT-SYS-COMMAND_FAILED': {
    status: 500, retryable: true, actor: 'starling-operator',
    title: 'Command failed',
    message: 'The command {command} failed inside Starling: {reason}',
    remedy: 'Retry; if it persists, the Starling operators find the cause in the log under the message id.',
  },
  // --- delivery to DingTalk ---
  'BOT-DEP-RATE_LIMITED': {
    status: 429, retryable: true, actor: 'third-party',
    title: 'DingTalk rate limit',
    message: 'DingTalk refused the message for robot {robot} as too fast (errcode {errcode}); it is retried in {delayMs} ms.',
    remedy: 'Nothing to do: replies are queued and resent; a robot may send 20 messages per minute.',
  },
  'BOT-DEP-SESSION_EXPIRED': {
    status: 410, retryable: false, actor: 'third-party',
    title: 'Reply session expired',
    message: 'The conversation\'s reply session is no longer valid ({reason}).',
    remedy: 'Configure DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET so late replies go through the group-send API.',
  },
  'BOT-DEP-PLATFORM_REJECTED': {
    status: 502, retryable: false, actor: 'third-party',
    title: 'DingTalk rejected the message',
    message: 'DingTalk answered errcode {errcode}: {errmsg}',
    remedy: 'Check the robot\'s credentials and security settings (sign, keywords, IP allow-list) in DingTalk.',
  },
  'BOT-DEP-PLATFORM_UNAVAILABLE': {
    status: 503, retryable: true, actor: 'third-party',
    title: 'DingTalk unavailable',
    message: 'DingTalk did not accept the request: {reason}',
    remedy: 'Nothing to do: the delivery is retried with backoff; check egress to DingTalk if it persists.',
  },
  'BOT-DEP-UNDELIVERABLE': {
    status: 502, retryable: false, actor: 'starling-operator',
    title: 'Reply undeliverable',
    message: 'Reply {deliveryId} to conversation {conversationId} could not be delivered: {reason}',
    remedy: 'The reply is kept in bot_deliveries with status undeliverable; check the DingTalk configuration.',
  },
  'BOT-DEP-SERVICE_FAILED': {
    status: 502, retryable: true, actor: 'starling-operator',
    title: 'Service behind the command failed',
    message: 'The {service} service failed: {reason}',
    remedy: 'Retry; if it persists, check the component behind the command in the Starling logs.',
  },
} as const satisfies LayerCatalog<'BOT'>;
