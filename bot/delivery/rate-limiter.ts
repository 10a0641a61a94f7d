import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * Per-robot rate limit: at most `max` messages in any `windowMs`. Two records per robot:
 * reservations, so that a backlog is scheduled in order (each message waits in the queue for
 * its own slot instead of all waking together), and the log of actual sends, which is what
 * the limit is checked against just before each send (a message may leave later than its slot).
 */
export interface SlotLimiter {
  /** Reserve the next slot of `key`; resolves to the slot time (epoch ms, ≥ now). */
  reserve(key: string, now: number): Promise<number>;
  /** Record a send of `key` at `now` when the window allows it (resolves 0), else resolve the ms to wait. */
  acquire(key: string, now: number): Promise<number>;
  /** Hold every slot of `key` until `until` (after a "too fast" answer). */
  pause(key: string, until: number): Promise<void>;
}

/** Options of the limiters. */
export interface SlotLimiterOptions {
  /** Messages per window; default 20. */
  max?: number;
  /** Window length, ms; default 60,000. */
  windowMs?: number;
  /**
   * Extra spacing added to the window, ms; default 1,000. A message is sent a little after its
   * slot (network, queue), so the platform may count a window slightly shorter than ours.
   */
  marginMs?: number;
}

/** Reservations held in this process: correct when one process sends for a robot (in-process jobs). */
export function createMemoryLimiter(options: SlotLimiterOptions = {}): SlotLimiter {
  const max = options.max ?? 20;
  const windowMs = options.windowMs ?? 60_000;
  const margin = options.marginMs ?? 1000;
  const slots = new Map<string, number[]>();
  const sends = new Map<string, number[]>();
  const paused = new Map<string, number>();
  return {
    async acquire(key, now) {
      const until = paused.get(key) ?? 0;
      if (until > now) return until - now;
      let list = sends.get(key);
      if (!list) sends.set(key, (list = []));
      while (list.length > 0 && list[0]! <= now - windowMs - margin) list.shift();
      if (list.length >= max) return Math.max(1, list[list.length - max]! + windowMs + margin - now);
      list.push(now);
      return 0;
    },
    async reserve(key, now) {
      let list = slots.get(key);
      if (!list) slots.set(key, (list = []));
      while (list.length > 0 && list[0]! < now - windowMs - margin) list.shift();
      let slot = list.length < max ? now : Math.max(now, list[list.length - max]! + windowMs + margin);
      slot = Math.max(slot, paused.get(key) ?? 0);
      list.push(slot);
      return slot;
    },
    async pause(key, until) {
      paused.set(key, Math.max(until, paused.get(key) ?? 0));
    },
  };
}

const RESERVE = readFileSync(new URL('./slot-reserve.lua', import.meta.url), 'utf8');
const ACQUIRE = readFileSync(new URL('./send-acquire.lua', import.meta.url), 'utf8');

/** Reservations in Redis (one Lua script per reservation): correct across BullMQ workers in many processes. */
export function createRedisLimiter(redis: Redis, prefix: string, options: SlotLimiterOptions = {}): SlotLimiter {
  const max = options.max ?? 20;
  const windowMs = options.windowMs ?? 60_000;
  const margin = options.marginMs ?? 1000;
  return {
    async reserve(key, now) {
      const slot = await redis.eval(RESERVE, 2, `${prefix}:slots:${key}`, `${prefix}:paused:${key}`, now, windowMs, max, `${now}:${randomUUID()}`, margin);
      return Number(slot);
    },
    async acquire(key, now) {
      const wait = await redis.eval(ACQUIRE, 2, `${prefix}:sends:${key}`, `${prefix}:paused:${key}`, now, windowMs, max, `${now}:${randomUUID()}`, margin);
      return Number(wait);
    },
    async pause(key, until) {
      const k = `${prefix}:paused:${key}`;
      const current = Number((await redis.get(k)) ?? 0);
      if (until > current) await redis.set(k, String(until), 'PX', Math.max(1, until - Date.now() + windowMs));
    },
  };
}
