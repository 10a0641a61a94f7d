import type { OwnerView } from '../command/services.js';

/**
 * One block of a platform-neutral reply. Text is plain (never markup): each adapter escapes it
 * for its own markdown dialect, so user-supplied strings cannot inject formatting.
 */
export type ReplyBlock =
  | { kind: 'heading'; text: string }
  | { kind: 'text'; text: string; bold?: boolean }
  | { kind: 'list'; items: string[] }
  | { kind: 'quote'; lines: string[] }
  | { kind: 'fields'; fields: Array<readonly [string, string]> }
  | { kind: 'link'; text: string; url: string };

/** What the command core answers, before any platform renders it. */
export interface Reply {
  /** Short title: shown in notifications and chat previews. */
  title: string;
  blocks: ReplyBlock[];
  /** The catalogued code the reply is about (a verdict or an error), if any. */
  code?: string | null | undefined;
  /** Whom to @-mention (the host's owner). */
  mention?: OwnerView | undefined;
}
