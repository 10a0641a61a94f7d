import { describe, expect, it } from 'vitest';
import { agentToChannel, channelToAgent } from './agent-frames.js';
import { encodeFrame, parseFrame } from './frame.js';
import { generateSigningKey } from './signing.js';
import { makeDispatch } from './test-fixtures.js';
import { PROTOCOL_VERSION } from './version.js';

const ack = { type: 'run.ack', v: PROTOCOL_VERSION, runId: 'r1', duplicate: false, at: 1 };

describe('parseFrame', () => {
  it('parses a valid frame from a string and a Buffer', () => {
    const a = parseFrame(encodeFrame(ack), agentToChannel);
    const b = parseFrame(Buffer.from(encodeFrame(ack)), agentToChannel);
    expect(a).toEqual({ ok: true, frame: ack });
    expect(b).toEqual({ ok: true, frame: ack });
  });

  it('refuses an oversized frame before decoding it', () => {
    const r = parseFrame('x'.repeat(2000), agentToChannel, { maxBytes: 1000 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('CHANNEL-USR-FRAME_TOO_LARGE');
  });

  it('gives catalogued codes for bad JSON, non-objects, unknown types and bad fields', () => {
    const codes = ['{nope', '[1,2]', '"x"', encodeFrame({ type: 'mystery', v: 1 }), encodeFrame({ ...ack, runId: '' })].map((raw) => {
      const r = parseFrame(raw, agentToChannel);
      return r.ok ? 'ok' : r.error.code;
    });
    expect(codes).toEqual([
      'CHANNEL-USR-FRAME_MALFORMED', 'CHANNEL-USR-FRAME_MALFORMED', 'CHANNEL-USR-FRAME_MALFORMED',
      'CHANNEL-USR-FRAME_INVALID', 'CHANNEL-USR-FRAME_INVALID',
    ]);
  });

  it('refuses a newer protocol version with its own code', () => {
    const r = parseFrame(encodeFrame({ ...ack, v: PROTOCOL_VERSION + 1 }), agentToChannel);
    expect(r.ok ? 'ok' : r.error.code).toBe('CHANNEL-USR-PROTOCOL_UNSUPPORTED');
  });

  it('requires exactly one of command and argv in a dispatch', () => {
    const key = generateSigningKey();
    const good = makeDispatch(key, { agentId: 'a' });
    expect(parseFrame(encodeFrame(good), channelToAgent).ok).toBe(true);
    const both = { ...good, argv: ['ls'] };
    const r = parseFrame(encodeFrame(both), channelToAgent);
    expect(r.ok ? 'ok' : r.error.code).toBe('CHANNEL-USR-FRAME_INVALID');
  });
});
