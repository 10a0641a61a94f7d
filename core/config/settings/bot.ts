import { z } from 'zod';
import { boolish, positiveInt, setting, stringList } from '../setting.js';

const httpUrl = z.string().regex(/^https?:\/\//, 'must start with http:// or https://');

/** Settings of the chat robot: DingTalk credentials, endpoints, allow-lists and delivery limits. */
export const botSettings = {
  DINGTALK_APP_SECRET: setting({
    schema: z.string().min(1),
    doc: 'AppSecret (ClientSecret) of the DingTalk app robot; verifies the callback signature. When set, POST /bot/dingtalk is enabled.',
    allowed: 'a non-empty string',
    secret: true,
  }),
  DINGTALK_CLIENT_ID: setting({
    schema: z.string().min(1),
    doc: 'ClientID (AppKey) of the DingTalk app: Stream mode and the group-send fallback for late replies.',
    allowed: 'a non-empty string',
  }),
  DINGTALK_CLIENT_SECRET: setting({
    schema: z.string().min(1),
    doc: 'ClientSecret (AppSecret) of the DingTalk app: Stream mode and the group-send fallback.',
    allowed: 'a non-empty string',
    secret: true,
  }),
  DINGTALK_STREAM: setting({
    schema: boolish, default: false,
    doc: 'Receive robot messages over DingTalk Stream mode (an outbound WebSocket; no public address needed). Needs DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET.',
    allowed: 'true or false',
  }),
  DINGTALK_API_BASE: setting({
    schema: httpUrl, default: 'https://api.dingtalk.com',
    doc: 'Base URL of the DingTalk OpenAPI (access tokens, group send, Stream gateway). Tests point it at a local fake.',
    allowed: 'an http:// or https:// URL',
  }),
  DINGTALK_WEBHOOK_HOSTS: setting({
    schema: stringList, default: ['oapi.dingtalk.com'],
    doc: 'Host names a message\'s sessionWebhook may point at; replies are never sent elsewhere.',
    allowed: 'a comma-separated list of host names',
  }),
  DINGTALK_ROBOT_WEBHOOK: setting({
    schema: httpUrl,
    doc: 'Custom-robot webhook URL (with access_token) for notifications.',
    allowed: 'an http:// or https:// URL',
    secret: true,
  }),
  DINGTALK_ROBOT_SECRET: setting({
    schema: z.string().min(1),
    doc: 'The custom robot\'s SEC... signing secret; each push then carries timestamp and sign.',
    allowed: 'a non-empty string',
    secret: true,
  }),
  BOT_CONVERSATIONS: setting({
    schema: stringList, default: [],
    doc: 'Conversation ids where read-only commands are answered; * allows every conversation. Empty: none.',
    allowed: 'a comma-separated list of conversation ids, or *',
  }),
  BOT_SENDERS: setting({
    schema: stringList, default: [],
    doc: 'When non-empty, only these sender user ids may run commands (in the allowed conversations).',
    allowed: 'a comma-separated list of user ids',
  }),
  BOT_ACTING_ENABLED: setting({
    schema: boolish, default: false,
    doc: 'Enable commands that act (reconcile run). Off by default.',
    allowed: 'true or false',
  }),
  BOT_ACTING_SENDERS: setting({
    schema: stringList, default: [],
    doc: 'User ids allowed to run acting commands when BOT_ACTING_ENABLED is true.',
    allowed: 'a comma-separated list of user ids',
  }),
  BOT_RATE_LIMIT_PER_MINUTE: setting({
    schema: positiveInt, default: 20,
    doc: 'Messages one robot may send per minute (DingTalk allows 20).',
    allowed: 'a positive integer',
  }),
  BOT_RATE_LIMITED_BACKOFF_MS: setting({
    schema: positiveInt, default: 60_000,
    doc: 'Pause of a robot after DingTalk answers 130101 (too fast) before its replies are resent.',
    allowed: 'a positive integer (milliseconds)',
  }),
  BOT_LINK_BASE_URL: setting({
    schema: httpUrl,
    doc: 'Public base URL of the Starling API; replies link to the full diagnosis or task under it. Unset: no links.',
    allowed: 'an http:// or https:// URL',
  }),
};
