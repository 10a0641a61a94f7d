/** The layer that raised an error: where in the stack it happened. */
export const LAYERS = ['PROXY', 'CHANNEL', 'AGENT', 'DIAG', 'BOT', 'CMDB'] as const;
export type Layer = (typeof LAYERS)[number];

/**
 * The category, from the StarAgent team's taxonomy: SYS a fault of Starling itself, ENV the
 * host's environment, USR the caller's mistake, DEP a third-party dependency, UNK unknown.
 */
export const CATEGORIES = ['SYS', 'ENV', 'USR', 'DEP', 'UNK'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Who should act on an error. */
export const ACTORS = ['caller', 'host-owner', 'starling-operator', 'cmdb-owner', 'third-party'] as const;
export type Actor = (typeof ACTORS)[number];

/** One catalogue entry, keyed by its code `LAYER-CATEGORY-NAME`. */
export interface ErrorEntry {
  /** HTTP status used when this error ends an API request. */
  readonly status: number;
  /** Whether the same request may succeed if simply retried later. */
  readonly retryable: boolean;
  /** Short, constant summary: the problem document's `title`. */
  readonly title: string;
  /** Message template; `{name}` placeholders are filled from the error's params. */
  readonly message: string;
  /** What to do about it, in one or two sentences. */
  readonly remedy: string;
  /** Who should act. */
  readonly actor: Actor;
}

/** A layer's slice of the catalogue: every key must start with that layer's name. */
export type LayerCatalog<L extends Layer> = Readonly<Record<`${L}-${Category}-${string}`, ErrorEntry>>;
