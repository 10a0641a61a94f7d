import { readFileSync } from 'node:fs';
import { lt, sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { StarlingError, type Logger } from '../../core/index.js';
import { botMessages, type Db } from '../../db/index.js';
import { createMicroBatcher } from '../../diagnostics/index.js';

/** A message to claim: the de-duplication key and what is kept about it. */
export interface MessageClaim {
  platform: string;
  messageId: string;
  conversationId: string;
  senderId: string;
}

/** Options of {@link MessageLedger}. */
export interface MessageLedgerOptions {
  /** Rows written in one INSERT at most; default 500. */
  maxBatch?: number;
  /** Without Redis: how long a claim waits for companions before its batch is inserted, ms; default 10. */
  maxDelayMs?: number;
  /** With Redis: how long claimed messages are gathered before their rows are inserted, ms; default 100. */
  historyDelayMs?: number;
  /** Recently queued keys remembered in memory to answer redeliveries without a round trip; default 10,000. */
  recentKept?: number;
  /**
   * When given, claims are decided in Redis (one script call: the marker holds the claiming
   * job's identity for `ttlMs`) and the table rows follow in batches, as history; default none
   * (the batched INSERT decides).
   */
  redis?: { client: Redis; prefix: string; ttlMs: number } | undefined;
  /** Where background write failures are reported; default none. */
  log?: Logger | undefined;
}

interface Claim {
  message: MessageClaim;
  acceptedAt: number;
}

const CLAIM = readFileSync(new URL('./claim-message.lua', import.meta.url), 'utf8');

const key = (c: Pick<MessageClaim, 'platform' | 'messageId'>) => `${c.platform}\u0000${c.messageId}`;

/** The claims of a batch without repeats (the same id twice in one batch: only its first may win). */
function firstOfEach(claims: readonly Claim[]): Map<string, Claim> {
  const first = new Map<string, Claim>();
  for (const c of claims) if (!first.has(key(c.message))) first.set(key(c.message), c);
  return first;
}

/**
 * The de-duplication ledger of chat messages, in two steps so that the acknowledgement waits for
 * nothing but the queue. On the way in, {@link queuedRecently} answers redeliveries this process
 * has seen from memory. Before a command runs, {@link claim} records the message id with the
 * identity of the job that accepted it (its acceptance time): that job — and its retries — may
 * process it; any other job for the same id (a redelivery that reached the queue, e.g. through
 * another process) may not.
 *
 * Rows are written in multi-row statements, never one per message. Without Redis the batched
 * `INSERT … ON CONFLICT` decides (claims wait `maxDelayMs` for companions). With Redis a script
 * decides and the rows — history — follow every `historyDelayMs`.
 */
export class MessageLedger {
  private readonly recent = new Set<string>();
  private readonly recentKept: number;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly claimInDb: (claim: Claim) => Promise<boolean>;
  private readonly recordHistory: (claim: Claim) => Promise<void>;
  private closed = false;

  constructor(private readonly db: Db, private readonly options: MessageLedgerOptions = {}) {
    this.recentKept = options.recentKept ?? 10_000;
    const maxBatch = options.maxBatch ?? 500;
    this.claimInDb = createMicroBatcher((claims: Claim[]) => this.insertClaims(claims), { windowMs: options.maxDelayMs ?? 10, maxBatch });
    this.recordHistory = createMicroBatcher((claims: Claim[]) => this.writeHistory(claims), { windowMs: options.historyDelayMs ?? 100, maxBatch });
  }

  /** Whether this process queued the message lately: a redelivery, answered without a round trip. */
  queuedRecently(message: MessageClaim): boolean {
    return this.recent.has(key(message));
  }

  /** Note that this process queued the message. */
  noteQueued(message: MessageClaim): void {
    this.recent.add(key(message));
    if (this.recent.size > this.recentKept) this.recent.delete(this.recent.values().next().value as string);
  }

  /**
   * Claim a message for the job that accepted it at `acceptedAt` (ms). Resolves true when that
   * job may process it: the first claim of the id, or a retry of the job that made it; false
   * when another job holds the id.
   */
  async claim(message: MessageClaim, acceptedAt: number): Promise<boolean> {
    // A job still running at shutdown fails with this and is retried by the next worker.
    if (this.closed) throw new StarlingError('PROXY-SYS-SHUTTING_DOWN');
    const r = this.options.redis;
    if (!r) return this.track(this.claimInDb({ message, acceptedAt }));
    const won = Number(await r.client.eval(CLAIM, 1, `${r.prefix}:msg:${message.platform}:${message.messageId}`, String(acceptedAt), r.ttlMs)) === 1;
    if (won) void this.track(this.recordHistory({ message, acceptedAt }));
    return won;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    const done = () => this.inFlight.delete(p);
    p.then(done, done);
    return p;
  }

  /**
   * Without Redis: the batched claim. A new id is inserted; an existing one is "updated" to
   * itself only when its row holds the same acceptance time (the claiming job's retry), so the
   * rows RETURNING gives back are exactly the claims that may proceed.
   */
  private async insertClaims(claims: Claim[]): Promise<boolean[]> {
    const first = firstOfEach(claims);
    const granted = await this.db
      .insert(botMessages)
      .values([...first.values()].map((c) => ({ ...c.message, receivedAt: new Date(c.acceptedAt) })))
      .onConflictDoUpdate({
        target: [botMessages.platform, botMessages.messageId],
        set: { receivedAt: sql`excluded.received_at` },
        setWhere: sql`${botMessages.receivedAt} = excluded.received_at`,
      })
      .returning({ platform: botMessages.platform, messageId: botMessages.messageId });
    const won = new Set(granted.map(key));
    return claims.map((c) => won.has(key(c.message)) && first.get(key(c.message)) === c);
  }

  /** With Redis: record claimed messages, one INSERT per batch. A failure is logged once per batch (the claim stands in Redis). */
  private async writeHistory(claims: Claim[]): Promise<void[]> {
    const rows = [...firstOfEach(claims).values()].map((c) => ({ ...c.message, receivedAt: new Date(c.acceptedAt) }));
    try {
      await this.db.insert(botMessages).values(rows).onConflictDoNothing();
    } catch (err) {
      this.options.log?.warn({ err: (err as Error).message, messages: rows.length }, 'robot message ids not recorded');
    }
    return claims.map(() => undefined);
  }

  /** Forget messages received before `before` (the retention sweep); returns how many. */
  async prune(before: Date): Promise<number> {
    const gone = await this.db.delete(botMessages).where(lt(botMessages.receivedAt, before)).returning({ id: botMessages.messageId });
    return gone.length;
  }

  /** Refuse new claims and wait for the batches in flight. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
