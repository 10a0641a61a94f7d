import type { z } from 'zod';
import { StarlingError } from '../core/index.js';
import { DEFAULT_MAX_FRAME_BYTES } from './common.js';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from './version.js';

/** Raw frame data as `ws` hands it over, or a string. */
export type RawFrame = string | Buffer | ArrayBuffer | Buffer[];

/** The outcome of {@link parseFrame}: the typed frame, or a catalogued error (never a throw). */
export type ParseResult<T> = { ok: true; frame: T } | { ok: false; error: StarlingError };

/** Options of {@link parseFrame}. */
export interface ParseFrameOptions {
  /** Largest accepted frame in bytes; default {@link DEFAULT_MAX_FRAME_BYTES} (1 MiB). */
  maxBytes?: number;
}

function byteLength(raw: RawFrame): number {
  if (typeof raw === 'string') return Buffer.byteLength(raw);
  if (Array.isArray(raw)) return raw.reduce((n, b) => n + b.length, 0);
  return raw.byteLength;
}

function toText(raw: RawFrame): string {
  if (typeof raw === 'string') return raw;
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  if (raw instanceof ArrayBuffer) return Buffer.from(raw).toString('utf8');
  return raw.toString('utf8');
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`)
    .join('; ');
}

/**
 * Parse one frame: size check first (before any decoding), then JSON, then the protocol
 * version, then the schema. Every failure is a catalogued CHANNEL-USR-FRAME_* or
 * CHANNEL-USR-PROTOCOL_UNSUPPORTED error returned as data, so the caller can answer with an
 * error frame and keep the connection.
 */
export function parseFrame<S extends z.ZodType>(raw: RawFrame, schema: S, options: ParseFrameOptions = {}): ParseResult<z.output<S>> {
  const limit = options.maxBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const size = byteLength(raw);
  if (size > limit) return { ok: false, error: new StarlingError('CHANNEL-USR-FRAME_TOO_LARGE', { size, limit }) };
  let value: unknown;
  try {
    value = JSON.parse(toText(raw));
  } catch (err) {
    return { ok: false, error: new StarlingError('CHANNEL-USR-FRAME_MALFORMED', { reason: (err as Error).message }) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: new StarlingError('CHANNEL-USR-FRAME_MALFORMED', { reason: 'a frame must be a JSON object' }) };
  }
  const obj = value as { type?: unknown; v?: unknown };
  const frameType = typeof obj.type === 'string' ? obj.type.slice(0, 64) : '(none)';
  if (typeof obj.v === 'number' && (obj.v > PROTOCOL_VERSION || obj.v < MIN_PROTOCOL_VERSION)) {
    return {
      ok: false,
      error: new StarlingError('CHANNEL-USR-PROTOCOL_UNSUPPORTED', { version: obj.v, min: MIN_PROTOCOL_VERSION, max: PROTOCOL_VERSION }),
    };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    return { ok: false, error: new StarlingError('CHANNEL-USR-FRAME_INVALID', { frameType, reason: describeIssues(parsed.error) }) };
  }
  return { ok: true, frame: parsed.data };
}

/** Serialise a frame. Frames are plain JSON objects; this is the one place that says so. */
export function encodeFrame(frame: object): string {
  return JSON.stringify(frame);
}

/** The `error` frame for a StarlingError (its `{code, message}`), optionally about one run. */
export function errorFrameFor(err: StarlingError, runId?: string): { type: 'error'; v: number; error: { code: string; message: string }; runId?: string } {
  return { type: 'error', v: PROTOCOL_VERSION, error: { code: err.code, message: err.message }, ...(runId !== undefined && { runId }) };
}
