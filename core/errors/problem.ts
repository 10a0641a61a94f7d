import { errorEntry, type ErrorCode } from './catalog/index.js';
import { renderMessage, StarlingError, type ErrorParams, type ProblemExtras } from './starling-error.js';
import type { Actor, Category, Layer } from './types.js';

/** Media type of RFC 9457 problem documents. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An RFC 9457 problem document with Starling's extension members. */
export interface ProblemDocument extends ProblemExtras {
  /** A URI reference that identifies the problem type: the catalogue entry's own route. */
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: ErrorCode;
  layer: Layer;
  category: Category;
  retryable: boolean;
  remedy: string;
  actor: Actor;
}

/** The problem type URI of a code: a relative reference to the catalogue route that explains it. */
export function problemType(code: ErrorCode): string {
  return `/v1/error-codes/${code}`;
}

/** Build a problem document from a code, its params and extensions. */
export function problemFromCode(
  code: ErrorCode,
  params: ErrorParams = {},
  extras: ProblemExtras = {},
  instance?: string,
): ProblemDocument {
  const e = errorEntry(code);
  const doc: ProblemDocument = {
    ...extras,
    type: problemType(code),
    title: e.title,
    status: e.status,
    detail: renderMessage(e.message, params),
    code,
    layer: e.layer,
    category: e.category,
    retryable: e.retryable,
    remedy: e.remedy,
    actor: e.actor,
  };
  if (instance !== undefined) doc.instance = instance;
  return doc;
}

/** Build a problem document from a StarlingError. */
export function problemFromError(err: StarlingError, instance?: string): ProblemDocument {
  return problemFromCode(err.code, err.params, err.extras, instance);
}

/** The `{code, message}` pair that frames between proxy, channel and agent carry. */
export interface ErrorFrame {
  code: ErrorCode;
  message: string;
}

/** Reduce an error to the `{code, message}` pair carried in protocol frames. */
export function errorFrame(err: StarlingError): ErrorFrame {
  return { code: err.code, message: err.message };
}
