import { describe, expect, it } from 'vitest';
import { authorizeCommand, CLOSED_POLICY, type AccessPolicy } from './access.js';
import { parseCommand } from './grammar.js';

const code = (policy: AccessPolicy, conversationId: string, senderId: string, text: string) => {
  try {
    authorizeCommand(policy, { conversationId, senderId }, parseCommand(text));
    return 'ok';
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe('access policy', () => {
  it('answers only help when nothing is configured', () => {
    expect(code(CLOSED_POLICY, 'cid1', 'u1', 'help')).toBe('ok');
    expect(code(CLOSED_POLICY, 'cid1', 'u1', 'diag 10.0.0.1')).toBe('BOT-USR-NOT_ALLOWED');
  });

  it('opens read-only commands to configured conversations and senders', () => {
    const p: AccessPolicy = { conversations: ['cid1'], senders: [], actingEnabled: false, actingSenders: [] };
    expect(code(p, 'cid1', 'anyone', 'diag 10.0.0.1')).toBe('ok');
    expect(code(p, 'cid2', 'anyone', 'diag 10.0.0.1')).toBe('BOT-USR-NOT_ALLOWED');
    const restricted = { ...p, senders: ['u1'] };
    expect(code(restricted, 'cid1', 'u1', 'host web01')).toBe('ok');
    expect(code(restricted, 'cid1', 'u2', 'host web01')).toBe('BOT-USR-NOT_ALLOWED');
    expect(code({ ...p, conversations: ['*'] }, 'cid9', 'u9', 'reconcile last')).toBe('ok');
  });

  it('keeps acting commands off unless enabled for the sender', () => {
    const p: AccessPolicy = { conversations: ['*'], senders: [], actingEnabled: false, actingSenders: ['u1'] };
    expect(code(p, 'cid1', 'u1', 'reconcile run')).toBe('BOT-USR-ACTING_DISABLED');
    expect(code({ ...p, actingEnabled: true }, 'cid1', 'u1', 'reconcile run')).toBe('ok');
    expect(code({ ...p, actingEnabled: true }, 'cid1', 'u2', 'reconcile run')).toBe('BOT-USR-ACTING_DISABLED');
    expect(code({ ...p, actingEnabled: true, conversations: [] }, 'cid1', 'u1', 'reconcile run')).toBe('BOT-USR-NOT_ALLOWED');
  });
});
