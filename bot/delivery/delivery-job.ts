import { StarlingError, type Clock, type Logger } from '../../core/index.js';
import type { Db } from '../../db/index.js';
import type { JobInfo, Jobs } from '../../jobs/index.js';
import type { ChatAdapter } from '../adapter.js';
import type { SlotLimiter } from './rate-limiter.js';
import { recordDelivery } from './record-delivery.js';
import { jobIdOf } from '../job-id.js';

/** Queue name of reply deliveries. */
export const DELIVER_JOB = 'bot.deliver';

/** One robot message to send: the payload of a {@link DELIVER_JOB} job (JSON). */
export interface DeliverJobData {
  platform: string;
  /** Stable across retries and re-queues; the key of its bot_deliveries row. */
  deliveryKey: string;
  robotKey: string;
  handle: Record<string, unknown>;
  message: unknown;
  conversationId: string | null;
  sourceMessageId: string | null;
  /** Use the platform's fallback route (the session expired). */
  useFallback: boolean;
  /** The reserved send slot (epoch ms), once reserved. */
  slotAt?: number | undefined;
  /** How many times this delivery was re-queued (rate limit waits, fallback). */
  hop: number;
  /** Send attempts made so far, across re-queues. */
  tries: number;
}

/** What the delivery processor needs. */
export interface DeliveryDeps {
  db: Db;
  jobs: Jobs;
  log: Logger;
  clock: Clock;
  limiter: SlotLimiter;
  adapters: ReadonlyMap<string, ChatAdapter>;
  /** Tries of a transient failure before the message is recorded undeliverable; the job's attempts. */
  attempts: number;
  signal: AbortSignal;
}

async function requeue(deps: DeliveryDeps, data: DeliverJobData, delayMs: number): Promise<void> {
  const next = { ...data, hop: data.hop + 1 };
  await deps.jobs.enqueue(DELIVER_JOB, next, { jobId: jobIdOf('deliver', data.deliveryKey, next.hop), delayMs: Math.max(0, Math.ceil(delayMs)) });
}

async function undeliverable(deps: DeliveryDeps, data: DeliverJobData, tries: number, err: StarlingError): Promise<void> {
  deps.log.warn({ code: err.code, deliveryKey: data.deliveryKey, robot: data.robotKey, reason: err.message }, 'robot message undeliverable');
  await recordDelivery(deps.db, {
    deliveryKey: data.deliveryKey, platform: data.platform, robotKey: data.robotKey, conversationId: data.conversationId,
    sourceMessageId: data.sourceMessageId, status: 'undeliverable', via: null, attempts: tries, code: err.code,
    reason: err.message.slice(0, 1000), message: data.message,
  });
}

/**
 * Send one robot message within its robot's rate limit. Outcomes: sent (recorded); too fast
 * (the robot pauses, the message is re-queued after the pause); session expired (re-queued on the
 * fallback route, or recorded undeliverable when there is none); rejected (recorded
 * undeliverable); transient (thrown, so the job retries with backoff, and recorded
 * undeliverable after the last try). Nothing is dropped without a record.
 */
export async function processDelivery(deps: DeliveryDeps, data: DeliverJobData, job: JobInfo): Promise<string> {
  const adapter = deps.adapters.get(data.platform);
  const now = deps.clock.now();
  // Tries already made: earlier hops plus failed attempts of this job.
  const priorTries = data.tries + job.attempt - 1;
  if (!adapter) {
    await undeliverable(deps, data, data.tries, new StarlingError('BOT-DEP-UNDELIVERABLE', { deliveryId: data.deliveryKey, conversationId: data.conversationId ?? '-', reason: `no adapter for ${data.platform}` }));
    return 'undeliverable';
  }
  // A retry after a transient failure reserves a new slot: the failed send may have counted.
  if (data.slotAt === undefined || job.attempt > 1) {
    const slot = await deps.limiter.reserve(data.robotKey, now);
    if (slot > now) {
      await requeue(deps, { ...data, slotAt: slot, tries: priorTries }, slot - now);
      return 'waiting';
    }
  } else if (data.slotAt > now) {
    await requeue(deps, { ...data, tries: priorTries }, data.slotAt - now);
    return 'waiting';
  }
  // The slot is only a schedule; the limit is checked against the sends actually made.
  const wait = await deps.limiter.acquire(data.robotKey, deps.clock.now());
  if (wait > 0) {
    await requeue(deps, { ...data, slotAt: deps.clock.now() + wait, tries: priorTries }, wait);
    return 'waiting';
  }
  const tries = priorTries + 1;
  const outcome = await adapter.deliver(data.handle, data.message, { useFallback: data.useFallback, signal: deps.signal });
  switch (outcome.kind) {
    case 'sent':
      await recordDelivery(deps.db, {
        deliveryKey: data.deliveryKey, platform: data.platform, robotKey: data.robotKey, conversationId: data.conversationId,
        sourceMessageId: data.sourceMessageId, status: 'sent', via: outcome.via, attempts: tries, code: null, reason: null, message: null,
      });
      return 'sent';
    case 'rate-limited': {
      const until = deps.clock.now() + outcome.pauseMs;
      await deps.limiter.pause(data.robotKey, until);
      const err = new StarlingError('BOT-DEP-RATE_LIMITED', { robot: data.robotKey, errcode: outcome.errcode, delayMs: outcome.pauseMs });
      deps.log.warn({ code: err.code, robot: data.robotKey, deliveryKey: data.deliveryKey }, err.message);
      const slot = await deps.limiter.reserve(data.robotKey, deps.clock.now());
      await requeue(deps, { ...data, slotAt: slot, tries }, slot - deps.clock.now());
      return 'rate-limited';
    }
    case 'expired':
      if (!data.useFallback && adapter.hasFallback(data.handle)) {
        deps.log.info({ deliveryKey: data.deliveryKey, reason: outcome.reason }, 'reply session expired; using the fallback route');
        await requeue(deps, { ...data, useFallback: true, slotAt: undefined, tries }, 0);
        return 'fallback';
      }
      await undeliverable(deps, data, tries, new StarlingError('BOT-DEP-SESSION_EXPIRED', { reason: outcome.reason }));
      return 'undeliverable';
    case 'rejected':
      await undeliverable(deps, data, tries, new StarlingError('BOT-DEP-PLATFORM_REJECTED', { errcode: outcome.errcode, errmsg: outcome.errmsg }));
      return 'undeliverable';
    case 'transient': {
      const err = new StarlingError('BOT-DEP-PLATFORM_UNAVAILABLE', { reason: outcome.reason });
      if (tries < deps.attempts && job.attempt < deps.attempts && !deps.signal.aborted) throw err;
      await undeliverable(deps, data, tries, err);
      return 'undeliverable';
    }
  }
}
