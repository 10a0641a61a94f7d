import { randomFillSync } from 'node:crypto';

let lastMs = 0;
let seq = 0;
// Entropy is drawn 4 KiB at a time: one system call per 256 ids instead of one per id
// (a 10,000-host task makes 10,001 of them).
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
const b = Buffer.alloc(16);
function fillRandom(target: Buffer, start: number, length: number): void {
  if (poolAt + length > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  pool.copy(target, start, poolAt, poolAt + length);
  poolAt += length;
}

/**
 * A time-ordered UUID (version 7, RFC 9562): 48 bits of Unix milliseconds, then a 12-bit
 * counter within the millisecond, then random bits. Run and task ids are primary keys that
 * are inserted 10,000 at a time; ordered ids append to the B-tree indexes instead of touching
 * random pages, and a task's runs page in creation order.
 */
export function uuidv7(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    fillRandom(b, 7, 1);
    seq = b[7]! & 0x7f;
  } else {
    seq++;
    if (seq > 0xfff) {
      lastMs++; // borrow the next millisecond rather than repeat
      seq = 0;
    }
  }
  fillRandom(b, 8, 8);
  const ms = lastMs;
  b[0] = Math.floor(ms / 2 ** 40) & 0xff;
  b[1] = Math.floor(ms / 2 ** 32) & 0xff;
  b[2] = (ms >>> 24) & 0xff;
  b[3] = (ms >>> 16) & 0xff;
  b[4] = (ms >>> 8) & 0xff;
  b[5] = ms & 0xff;
  b[6] = 0x70 | ((seq >>> 8) & 0x0f);
  b[7] = seq & 0xff;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
