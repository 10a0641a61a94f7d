/**
 * The chat robot: a platform-independent command core (diag, host, task, err, cmdb, reconcile,
 * help — in English and Chinese), the DingTalk adapter (signed HTTP callback, Stream mode,
 * markdown replies, custom-robot notifications) and reply delivery as rate-limited jobs.
 */
export * from './adapter.js';
export * from './bot.js';
export * from './routes.js';
export * from './command-job.js';
export * from './job-id.js';
export * from './command/access.js';
export * from './command/closest-match.js';
export * from './command/grammar.js';
export * from './command/run-command.js';
export * from './command/services.js';
export * from './command/target.js';
export * from './render/reply.js';
export * from './delivery/delivery-job.js';
export * from './delivery/rate-limiter.js';
export * from './delivery/record-delivery.js';
export * from './inbox/message-ledger.js';
export * from './dingtalk/adapter.js';
export * from './dingtalk/inbound.js';
export * from './dingtalk/markdown.js';
export * from './dingtalk/open-api.js';
export * from './dingtalk/sign.js';
export * from './dingtalk/stream.js';
export * from './dingtalk/webhook-post.js';
export * from './component-services.js';
export * from './server-part.js';
