import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/wait-for.js';
import { startSyslogReceiver, type SyslogEventInput, type SyslogReceiver } from './syslog-receiver.js';

let receiver: SyslogReceiver;
const stored: SyslogEventInput[] = [];

beforeAll(async () => {
  receiver = await startSyslogReceiver({
    host: '127.0.0.1', udpPort: 0, tcpPort: 0, maxMessageBytes: 1024, maxConnections: 8, flushIntervalMs: 10,
    store: async (events) => {
      stored.push(...events);
    },
  });
});
afterAll(async () => {
  await receiver.close();
  await receiver.close();
});

function sendTcp(payload: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(receiver.tcpPort!, '127.0.0.1', () => s.end(payload));
    s.on('close', () => resolve());
    s.on('error', reject);
  });
}
function sendUdp(payload: Buffer | string): Promise<void> {
  const s = createSocket('udp4');
  return new Promise((resolve, reject) => s.send(payload, receiver.udpPort!, '127.0.0.1', (err) => (s.close(), err ? reject(err) : resolve())));
}
const seen = (marker: string) => waitFor(() => stored.find((e) => e.message.includes(marker)), { what: marker, timeoutMs: 5000 });

describe('syslog receiver', () => {
  it('classifies a panic over UDP and a boot banner over TCP, with sender and format', async () => {
    await sendUdp('<0>Nov 23 09:00:00 web01 kernel: [ 9.1] Kernel panic - not syncing: Fatal exception udp-1');
    const m = 'Linux version 6.1.0-18-amd64 (debian@x) #1 SMP tcp-1';
    const five = `<6>1 2026-11-23T09:00:05Z web01 kernel - - - ${m}`;
    await sendTcp(`${Buffer.byteLength(five)} ${five}`);
    const a = await seen('udp-1');
    const b = await seen('tcp-1');
    expect(a).toMatchObject({ senderIp: '127.0.0.1', transport: 'udp', format: 'rfc3164', hostname: 'web01', kind: 'crash', patternId: 'panic' });
    expect(b).toMatchObject({ transport: 'tcp', format: 'rfc5424', kind: 'boot', patternId: 'boot-banner' });
  });

  it('refuses connections beyond the limit and keeps serving', async () => {
    const sockets = await Promise.all(Array.from({ length: 12 }, () => new Promise<import('node:net').Socket>((r) => {
      const s = connect(receiver.tcpPort!, '127.0.0.1', () => r(s));
      s.on('error', () => {});
    })));
    await waitFor(() => receiver.stats().refusedConnections >= 4, { what: 'refusals' });
    sockets.forEach((s) => s.destroy());
    await waitFor(() => receiver.stats().connections === 0, { what: 'closed' });
    await sendTcp('<13>Nov 23 09:00:00 h app: after-limit\n');
    await seen('after-limit');
  });

  it('survives garbage, truncated, oversized and binary input and never blocks (property)', async () => {
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
      fc.string({ maxLength: 2000 }).map((s) => Buffer.from(s)),
      fc.tuple(fc.integer({ min: 0, max: 99999999 }), fc.string({ maxLength: 50 })).map(([n, s]) => Buffer.from(`${n} ${s}`)),
      fc.tuple(fc.constantFrom('<0>', '<191>', '<999>', '<13>1 ', '<6>2026-01-01T00:00:00Z '), fc.string({ maxLength: 200 })).map(([p, s]) => Buffer.from(p + s)),
      fc.integer({ min: 1025, max: 5000 }).map((n) => Buffer.from(`${n} ${'y'.repeat(n)}`)),
    );
    let round = 0;
    await fc.assert(
      fc.asyncProperty(payload, fc.boolean(), async (bytes, udp) => {
        round++;
        if (udp) await sendUdp(bytes.subarray(0, 60_000));
        else await sendTcp(bytes);
        // The receiver still answers and classifies a good message after the garbage.
        const marker = `alive-${round}-${udp ? 'u' : 't'}`;
        await sendTcp(`<13>Nov 23 09:00:00 h app: ${marker}\n`);
        await seen(marker);
      }),
      { numRuns: 60 },
    );
    expect(receiver.stats().connections).toBe(0);
  });
});

describe('syslog receiver under a slow or failing store', () => {
  it('applies backpressure to TCP senders (bounded queue) and loses nothing once the store catches up', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const got: SyslogEventInput[] = [];
    const r = await startSyslogReceiver({
      host: '127.0.0.1', udpPort: null, tcpPort: 0, batchSize: 100, maxQueued: 500, flushIntervalMs: 5,
      store: async (events) => {
        await gate;
        got.push(...events);
      },
    });
    try {
      const N = 400_000; // ~16 MB: more than the loopback socket buffers hold
      const lines = Array.from({ length: N }, (_, i) => `<13>Nov 23 09:00:00 h app: bp-${i}\n`).join('');
      const s = connect(r.tcpPort!, '127.0.0.1', () => s.end(lines));
      s.on('error', () => {});
      // While the store is stuck the receiver stops reading: the bytes back up into the
      // sender's own buffer, and the receiver's queue stays near its bound.
      let peak = 0;
      await waitFor(() => {
        peak = Math.max(peak, r.stats().queued);
        return r.stats().queued >= 500 && s.writableLength > 0;
      }, { what: 'sender blocked by backpressure', intervalMs: 5 });
      peak = Math.max(peak, r.stats().queued);
      expect(peak).toBeLessThan(500 + 3000);
      release();
      await waitFor(() => got.length === N, { what: 'all stored', timeoutMs: 25_000 });
      expect(new Set(got.map((e) => e.message)).size).toBe(N);
    } finally {
      release();
      await r.close();
    }
  });

  it('retries a failing store and keeps what was accepted', async () => {
    let failures = 2;
    const got: SyslogEventInput[] = [];
    const r = await startSyslogReceiver({
      host: '127.0.0.1', udpPort: 0, tcpPort: null, flushIntervalMs: 5,
      store: async (events) => {
        if (failures-- > 0) throw new Error('database down');
        got.push(...events);
      },
    });
    try {
      const s = createSocket('udp4');
      await new Promise<void>((res) => s.send('<13>Nov 23 09:00:00 h app: keep-me', r.udpPort!, '127.0.0.1', () => res()));
      s.close();
      await waitFor(() => got.length === 1, { what: 'stored after retries' });
      expect(r.stats().storeFailures).toBe(2);
    } finally {
      await r.close();
    }
  });
});
