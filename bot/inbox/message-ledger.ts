import { lt } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Logger } from '../../core/index.js';
import { botMessages, type Db } from '../../db/index.js';

/** A message to claim: the de-duplication key and what is kept about it. */
export interface MessageClaim {
  platform: string;
  messageId: string;
  conversationId: string;
  senderId: string;
}

/** Options of {@link MessageLedger}. */
export interface MessageLedgerOptions {
  /** Claims written in one INSERT at most; default 500. */
  maxBatch?: number;
  /** How long a claim waits for companions before its batch is written, ms; default 2. */
  maxDelayMs?: number;
  /** Recently claimed keys remembered in memory to answer redeliveries without a query; default 10,000. */
  recentKept?: number;
  /**
   * When given, claims are decided in Redis (`SET NX` with a TTL: one round trip on the
   * acknowledgement path) and the table row is written afterwards, in batches; default none
   * (the batched INSERT decides).
   */
  redis?: { client: Redis; prefix: string; ttlMs: number; log?: Logger } | undefined;
}

interface Waiter {
  claim: MessageClaim;
  resolve(first: boolean): void;
  reject(err: unknown): void;
}

const key = (c: Pick<MessageClaim, 'platform' | 'messageId'>) => `${c.platform}\u0000${c.messageId}`;

/**
 * The persisted de-duplication ledger of accepted chat messages. Claims arriving together are
 * written in one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING`, so a burst of callbacks
 * costs one statement, not one per message; the rows that come back are the first deliveries.
 */
export class MessageLedger {
  private pending: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly recent = new Set<string>();
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;
  private readonly recentKept: number;
  private closed = false;

  constructor(private readonly db: Db, private readonly options: MessageLedgerOptions = {}) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 2;
    this.recentKept = options.recentKept ?? 10_000;
  }

  /** Record a message; resolves true the first time its id is seen, false for a redelivery. */
  claim(claim: MessageClaim): Promise<boolean> {
    if (this.recent.has(key(claim))) return Promise.resolve(false);
    if (this.closed) return Promise.reject(new Error('message ledger is closed'));
    const r = this.options.redis;
    if (r) return this.claimInRedis(claim, r);
    return this.claimInDb(claim);
  }

  private async claimInRedis(claim: MessageClaim, r: NonNullable<MessageLedgerOptions['redis']>): Promise<boolean> {
    const set = await r.client.set(`${r.prefix}:msg:${claim.platform}:${claim.messageId}`, '1', 'PX', r.ttlMs, 'NX');
    this.remember(key(claim));
    if (set === null) return false;
    // The row is the durable history; the decision was Redis's, so a slow insert does not delay the ack.
    this.claimInDb(claim).catch((err: unknown) => r.log?.warn({ err: (err as Error).message, messageId: claim.messageId }, 'robot message id not recorded'));
    return true;
  }

  private claimInDb(claim: MessageClaim): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.pending.push({ claim, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flushSoon(0);
      else this.flushSoon(this.maxDelayMs);
    });
  }

  private flushSoon(delay: number): void {
    if (delay === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      void this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delay);
  }

  private remember(k: string): void {
    this.recent.add(k);
    if (this.recent.size > this.recentKept) this.recent.delete(this.recent.values().next().value as string);
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, this.maxBatch);
    if (this.pending.length > 0) this.flushSoon(this.maxDelayMs);
    if (batch.length === 0) return;
    // The same id twice in one batch: only its first waiter may win.
    const firstOf = new Map<string, Waiter>();
    for (const w of batch) if (!firstOf.has(key(w.claim))) firstOf.set(key(w.claim), w);
    try {
      const inserted = await this.db
        .insert(botMessages)
        .values([...firstOf.values()].map((w) => ({ ...w.claim })))
        .onConflictDoNothing()
        .returning({ platform: botMessages.platform, messageId: botMessages.messageId });
      const won = new Set(inserted.map(key));
      for (const w of batch) {
        const k = key(w.claim);
        this.remember(k);
        w.resolve(won.has(k) && firstOf.get(k) === w);
      }
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }

  /** Forget messages received before `before` (the retention sweep); returns how many. */
  async prune(before: Date): Promise<number> {
    const gone = await this.db.delete(botMessages).where(lt(botMessages.receivedAt, before)).returning({ id: botMessages.messageId });
    return gone.length;
  }

  /** Write what is pending and refuse new claims. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.pending.length > 0) await this.flush();
  }
}
