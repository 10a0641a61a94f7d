import { describe, expect, it } from 'vitest';
import { SyslogFrameDecoder } from './frame-decoder.js';

function decode(chunks: Array<string | Buffer>, max = 64) {
  const out: string[] = [];
  const rejects: Array<[string, number]> = [];
  const d = new SyslogFrameDecoder({ maxMessageBytes: max, onMessage: (m) => out.push(m.toString()), onReject: (r, n) => rejects.push([r, n]) });
  for (const c of chunks) d.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  d.end();
  return { out, rejects, buffered: d.buffered };
}

describe('SyslogFrameDecoder (RFC 6587)', () => {
  it('reads octet-counted frames, split anywhere', () => {
    const msg = '<13>1 - h app - - - hello world';
    const stream = `${Buffer.byteLength(msg)} ${msg}${Buffer.byteLength(msg)} ${msg}`;
    for (let cut = 1; cut < stream.length; cut += 3) {
      expect(decode([stream.slice(0, cut), stream.slice(cut)]).out).toEqual([msg, msg]);
    }
  });
  it('reads LF, CRLF and NUL terminated frames and a last frame without trailer', () => {
    expect(decode(['<13>a\n<13>b\r\n<13>c\u0000<13>d']).out).toEqual(['<13>a', '<13>b', '<13>c', '<13>d']);
  });
  it('mixes both framings on one stream', () => {
    expect(decode(['5 <1>ab<13>x\n3 <1>']).out).toEqual(['<1>ab', '<13>x', '<1>']);
  });
  it('skips oversized frames without buffering them and continues', () => {
    const big = 'x'.repeat(200);
    const r = decode([`200 ${big.slice(0, 50)}`, big.slice(50), '4 <1>y', `${big}\n<13>z\n`]);
    expect(r.out).toEqual(['<1>y', '<13>z']);
    expect(r.rejects.map((x) => x[0])).toEqual(['oversized', 'oversized']);
  });
});
