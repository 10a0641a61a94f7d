import { StarlingError, type Clock, type Logger } from '../core/index.js';
import type { Jobs } from '../jobs/index.js';
import type { ChatAdapter, InboundMessage } from './adapter.js';
import { errorReply, runCommand, type RunCommandOptions } from './command/run-command.js';
import { DELIVER_JOB, type DeliverJobData } from './delivery/delivery-job.js';
import type { SlotLimiter } from './delivery/rate-limiter.js';
import { jobIdOf } from './job-id.js';

/** Queue name of accepted chat messages waiting to be answered. */
export const COMMAND_JOB = 'bot.command';

/** The payload of a {@link COMMAND_JOB} job. */
export interface CommandJobData {
  message: InboundMessage;
  /**
   * When Starling accepted the message (epoch ms), for the mention-to-reply metric; also the
   * job's identity when it claims the message id (its retries present the same one).
   */
  acceptedAt: number;
}

/** What the command processor needs. */
export interface CommandDeps {
  jobs: Jobs;
  log: Logger;
  adapters: ReadonlyMap<string, ChatAdapter>;
  command: Omit<RunCommandOptions, 'signal'>;
  limiter: SlotLimiter;
  clock: Clock;
  signal: AbortSignal;
  /** Claim the message id for this job (see MessageLedger.claim); false: another job holds it, nothing is done. */
  claim(data: CommandJobData): Promise<boolean>;
}

/**
 * Answer one accepted chat message, once: claim its id (a second job for the same message, e.g.
 * a redelivery queued by another process, stops here), run the command (non-text messages get the help), render
 * the reply for its platform and queue one delivery per message part, delayed to the send slot
 * it reserves under the robot's rate limit (so a backlog waits in the queue, not in a worker).
 * Delivery job ids derive from the message id, so a retried command job queues nothing twice.
 */
export async function processCommand(deps: CommandDeps, data: CommandJobData): Promise<number> {
  const msg = data.message;
  const adapter = deps.adapters.get(msg.platform);
  if (!adapter) throw new Error(`no adapter for platform ${msg.platform}`);
  if (!(await deps.claim(data))) {
    deps.log.info({ platform: msg.platform, messageId: msg.messageId }, 'chat message already answered by another job; redelivery dropped');
    return 0;
  }
  const reply =
    msg.text === null
      ? errorReply(new StarlingError('BOT-USR-UNSUPPORTED_MESSAGE', { msgtype: msg.messageType.slice(0, 40) }))
      : await runCommand(msg.text, { platform: msg.platform, conversationId: msg.conversationId, senderId: msg.senderId, senderName: msg.senderName }, { ...deps.command, signal: deps.signal });
  const parts = adapter.render(reply);
  const robotKey = adapter.robotKey(msg);
  for (const [i, part] of parts.entries()) {
    const deliveryKey = `${msg.platform}:${msg.messageId}:${i}`;
    const now = deps.clock.now();
    const slotAt = await deps.limiter.reserve(robotKey, now);
    const job: DeliverJobData = {
      platform: msg.platform, deliveryKey, robotKey, handle: msg.replyHandle, message: part,
      conversationId: msg.conversationId, sourceMessageId: msg.messageId, useFallback: false, slotAt, hop: 0, tries: 0,
    };
    await deps.jobs.enqueue(DELIVER_JOB, job, { jobId: jobIdOf('deliver', deliveryKey, 0), delayMs: Math.max(0, slotAt - now) });
  }
  deps.log.debug({ platform: msg.platform, messageId: msg.messageId, parts: parts.length, code: reply.code }, 'command answered');
  return parts.length;
}
