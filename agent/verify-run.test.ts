import { describe, expect, it } from 'vitest';
import { generateSigningKey, importPublicKey } from '../protocol/index.js';
import { makeDispatch } from '../protocol/test-fixtures.js';
import { checkDispatch } from './verify-run.js';

describe('checkDispatch', () => {
  const key = generateSigningKey();
  const keys = new Map([[key.keyId, importPublicKey(key.publicKeyBase64)]]);
  const now = Date.now();
  const code = (d: Parameters<typeof checkDispatch>[0]) => checkDispatch(d, { agentId: 'me', keys, now })?.code ?? null;

  it('accepts a fresh run signed for this agent', () => {
    expect(code(makeDispatch(key, { agentId: 'me' }))).toBeNull();
  });

  it('refuses a run signed for another agent, even with a valid signature', () => {
    expect(code(makeDispatch(key, { agentId: 'someone-else' }))).toBe('AGENT-SYS-RUN_MISDIRECTED');
  });

  it('refuses stale, future and expired runs', () => {
    expect(code(makeDispatch(key, { agentId: 'me', issuedAt: now - 3_700_000 }))).toBe('AGENT-SYS-RUN_REPLAYED');
    expect(code(makeDispatch(key, { agentId: 'me', issuedAt: now + 600_000, deadline: now + 900_000 }))).toBe('AGENT-SYS-RUN_REPLAYED');
    expect(code(makeDispatch(key, { agentId: 'me', deadline: now - 1 }))).toBe('AGENT-SYS-RUN_EXPIRED');
  });

  it('checks the signature before anything else', () => {
    const d = { ...makeDispatch(key, { agentId: 'someone-else', deadline: now - 1 }), timeoutMs: 1 };
    expect(code(d)).toBe('AGENT-SYS-SIGNATURE_INVALID');
  });
});
