import { StarlingError } from '../../core/index.js';
import { isActing, type Command } from './grammar.js';

/** Who may run what. Built from BOT_CONVERSATIONS, BOT_SENDERS, BOT_ACTING_ENABLED, BOT_ACTING_SENDERS. */
export interface AccessPolicy {
  /** Conversations where read-only commands are answered; `*` means all. Default: none. */
  conversations: readonly string[];
  /** When non-empty, only these senders may run commands at all. Default: empty (any sender). */
  senders: readonly string[];
  /** Whether acting commands exist at all. Default: false. */
  actingEnabled: boolean;
  /** Senders who may run acting commands (also subject to the rules above). Default: none. */
  actingSenders: readonly string[];
}

/** The policy that answers nothing but help: the default when nothing is configured. */
export const CLOSED_POLICY: AccessPolicy = { conversations: [], senders: [], actingEnabled: false, actingSenders: [] };

/** Where a command came from. */
export interface Asker {
  conversationId: string;
  senderId: string;
}

/**
 * Check whether the asker may run the command; throws BOT-USR-NOT_ALLOWED or
 * BOT-USR-ACTING_DISABLED otherwise. `help` is always allowed: it reveals nothing.
 */
export function authorizeCommand(policy: AccessPolicy, asker: Asker, cmd: Command): void {
  if (cmd.verb === 'help') return;
  const conversationOk = policy.conversations.includes('*') || policy.conversations.includes(asker.conversationId);
  const senderOk = policy.senders.length === 0 || policy.senders.includes(asker.senderId);
  if (!conversationOk || !senderOk) throw new StarlingError('BOT-USR-NOT_ALLOWED', { command: cmd.verb });
  if (isActing(cmd) && !(policy.actingEnabled && policy.actingSenders.includes(asker.senderId))) {
    throw new StarlingError('BOT-USR-ACTING_DISABLED', { command: `${cmd.verb} run` });
  }
}
