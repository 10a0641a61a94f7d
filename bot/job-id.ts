import { createHash } from 'node:crypto';

/**
 * A job id derived from its parts: stable (so re-enqueueing the same work is de-duplicated by
 * the queue) and free of characters BullMQ refuses (`:`) whatever the platform's ids contain.
 */
export function jobIdOf(prefix: string, ...parts: Array<string | number>): string {
  return `${prefix}-${createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 32)}`;
}
