import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channelToAgent } from './agent-frames.js';
import {
  canonicalJson, exportPrivateKeyPem, generateSigningKey, importPublicKey, newNonce, signDispatchBatch, signingKeyFromPem, verifyDispatch,
} from './signing.js';
import { makeDispatch } from './test-fixtures.js';

describe('canonicalJson', () => {
  it('does not depend on key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null))), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
        expect(JSON.parse(canonicalJson(obj))).toEqual(obj);
      }),
    );
  });
});

describe('run signatures', () => {
  const key = generateSigningKey();
  const keys = new Map([[key.keyId, importPublicKey(key.publicKeyBase64)]]);

  it('verifies what the proxy signed, also after a JSON round trip with reordered keys', () => {
    const d = makeDispatch(key, { agentId: 'agent-1', env: { B: '2', A: '1' }, cwd: '/tmp' });
    const roundTrip = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(d).reverse())));
    expect(verifyDispatch(roundTrip, keys)).toBeNull();
  });

  it('refuses any tampered field', () => {
    const d = makeDispatch(key, { agentId: 'agent-1', command: 'echo hi' });
    const tampered = [
      { ...d, command: 'rm -rf /' }, { ...d, agentId: 'agent-2' }, { ...d, timeoutMs: d.timeoutMs + 1 },
      { ...d, env: { X: '1' } }, { ...d, deadline: d.deadline + 1 }, { ...d, nonce: 'another-nonce' }, { ...d, user: 'root' },
    ];
    for (const t of tampered) expect(verifyDispatch(t, keys)).toBe('bad-signature');
  });

  it('refuses a run signed by an unknown key, and one forged with a known key id', () => {
    const other = generateSigningKey();
    expect(verifyDispatch(makeDispatch(other, { agentId: 'a' }), keys)).toBe('unknown-key');
    const forged = { ...makeDispatch(other, { agentId: 'a' }), keyId: key.keyId };
    expect(verifyDispatch(forged, keys)).toBe('bad-signature');
  });

  it('round-trips the private key through PEM', () => {
    const again = signingKeyFromPem(exportPrivateKeyPem(key));
    expect(again.keyId).toBe(key.keyId);
    expect(verifyDispatch(makeDispatch(again, { agentId: 'a' }), keys)).toBeNull();
  });
});

describe('batch signatures (one signature per task, Merkle proofs per run)', () => {
  const key = generateSigningKey();
  const keys = new Map([[key.keyId, importPublicKey(key.publicKeyBase64)]]);
  const common = {
    taskId: 'task-1', command: 'uptime', argv: null, timeoutMs: 5000, cwd: null, env: { A: '1' }, user: null,
    deadline: Date.now() + 60_000, issuedAt: Date.now(), nonce: newNonce(),
  };
  const runs = (n: number) => Array.from({ length: n }, (_, i) => ({ runId: `run-${i}`, agentId: `agent-${i}` }));

  it('every run of batches of any size verifies on its own, through JSON', () => {
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 100]) {
      const frames = signDispatchBatch(common, runs(n), key);
      expect(new Set(frames.map((f) => f.signature)).size).toBe(1);
      for (const f of frames) expect(verifyDispatch(JSON.parse(JSON.stringify(f)), keys)).toBeNull();
    }
  });

  it('refuses a batched run moved to another agent, renamed, re-indexed, with a bad proof or a changed command', () => {
    const [f0, f1] = signDispatchBatch(common, runs(9), key);
    const bad = [
      { ...f0!, agentId: 'agent-1' }, { ...f0!, runId: 'run-x' }, { ...f0!, batch: { ...f0!.batch!, index: 1 } },
      { ...f0!, batch: { ...f0!.batch!, size: 10 } }, { ...f0!, batch: { ...f0!.batch!, proof: f1!.batch!.proof } },
      { ...f0!, batch: { ...f0!.batch!, proof: f0!.batch!.proof.slice(1) } }, { ...f0!, command: 'reboot' },
      { ...f0!, batch: undefined },
    ];
    for (const b of bad) expect(verifyDispatch(b, keys)).toBe('bad-signature');
  });

  it('a batched dispatch passes frame validation', () => {
    const [f] = signDispatchBatch(common, runs(3), key);
    expect(channelToAgent.safeParse(JSON.parse(JSON.stringify(f))).success).toBe(true);
  });
});
