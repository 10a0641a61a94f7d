import { errorEntry, type CatalogEntry, type ErrorCode } from './catalog/index.js';

/** Values a message template may interpolate. */
export type ErrorParams = Readonly<Record<string, string | number | boolean | null | undefined>>;

/**
 * Extension members a problem document may carry beyond the catalogue's own: later layers
 * attach the diagnosis (cause, owner, evidence) here.
 */
export interface ProblemExtras {
  cause?: string;
  owner?: unknown;
  evidence?: unknown;
  diagnosis?: unknown;
  /** Field-level detail, e.g. validation issues or rejected rows. */
  errors?: unknown;
  [key: string]: unknown;
}

/** Fill `{name}` placeholders; unknown placeholders are left as they are. */
export function renderMessage(template: string, params: ErrorParams): string {
  return template.replace(/\{([a-zA-Z0-9_]+)\}/g, (whole, key: string) => {
    const v = params[key];
    return v === undefined || v === null ? whole : String(v);
  });
}

/**
 * The one typed error of Starling: it carries a catalogued code as data, the parameters
 * of the code's message template, and optional problem extensions. Code never parses a
 * code out of message text; it reads `err.code`.
 */
export class StarlingError extends Error {
  override readonly name = 'StarlingError';
  readonly entry: CatalogEntry;

  constructor(
    readonly code: ErrorCode,
    readonly params: ErrorParams = {},
    readonly extras: ProblemExtras = {},
    options?: { cause?: unknown },
  ) {
    const entry = errorEntry(code);
    super(renderMessage(entry.message, params), options);
    this.entry = entry;
  }

  /** HTTP status from the catalogue. */
  get status(): number {
    return this.entry.status;
  }

  /** Whether retrying may help, from the catalogue. */
  get retryable(): boolean {
    return this.entry.retryable;
  }
}

/** True for a StarlingError, also across module copies (checks the shape, not the prototype). */
export function isStarlingError(err: unknown): err is StarlingError {
  return err instanceof StarlingError;
}
