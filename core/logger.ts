import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level; default `info`. */
  level?: string;
  /** `json` (default): one JSON object per line. `pretty`: pino-pretty for a terminal. */
  format?: 'json' | 'pretty';
  /** Component name put on every record; default `starling`. */
  name?: string;
  /** Where JSON records go; default stdout. Tests pass a stream to read records back. */
  destination?: NodeJS.WritableStream;
}

/**
 * Paths that are never logged in clear. Secrets may sit in headers, configs and bodies;
 * pino replaces their values before serialising.
 */
export const REDACT_PATHS = [
  'authorization', 'password', 'secret', 'token', 'apiKey', 'key', 'credential',
  '*.authorization', '*.password', '*.secret', '*.token', '*.apiKey', '*.key', '*.credential',
  'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie',
];

/** Build the structured JSON logger (pino). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const base = {
    name: options.name ?? 'starling',
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (options.format === 'pretty') {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return options.destination ? pino(base, options.destination as pino.DestinationStream) : pino(base);
}
