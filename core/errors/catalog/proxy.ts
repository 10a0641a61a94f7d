import type { LayerCatalog } from '../types.js';

/** Errors raised by the proxy: the HTTP API, its configuration and its dependencies. */
export const proxyErrors = {
  'PROXY-USR-MALFORMED_JSON': {
    status: 400, retryable: false, actor: 'caller',
    title: 'Malformed JSON',
    message: 'The request body is not valid JSON: {reason}',
    remedy: 'Send a well-formed JSON document with Content-Type: application/json.',
  },
  'PROXY-USR-BODY_TOO_LARGE': {
    status: 413, retryable: false, actor: 'caller',
    title: 'Request body too large',
    message: 'The request body exceeds the limit of {limit} bytes.',
    remedy: 'Send a smaller body, or split the request into several.',
  },
  'PROXY-USR-VALIDATION_FAILED': {
    status: 422, retryable: false, actor: 'caller',
    title: 'Request failed validation',
    message: 'The request is not valid: {reason}',
    remedy: 'Correct the fields named in the error and send the request again.',
  },
  'PROXY-USR-ROUTE_NOT_FOUND': {
    status: 404, retryable: false, actor: 'caller',
    title: 'No such route',
    message: 'There is no route {method} {path}.',
    remedy: 'Check the method and path against /openapi.json.',
  },
  'PROXY-USR-ERROR_CODE_NOT_FOUND': {
    status: 404, retryable: false, actor: 'caller',
    title: 'Unknown error code',
    message: 'The error code {code} is not in the catalogue.',
    remedy: 'List the catalogue at GET /v1/error-codes.',
  },
  'PROXY-USR-CONFIG_INVALID': {
    status: 500, retryable: false, actor: 'starling-operator',
    title: 'Invalid configuration',
    message: 'Setting {setting} has the invalid value {value}: {allowed}',
    remedy: 'Fix the setting in the environment or the config file; docs/configuration.md lists every setting.',
  },
  'PROXY-DEP-DATABASE_UNAVAILABLE': {
    status: 503, retryable: true, actor: 'starling-operator',
    title: 'Database unavailable',
    message: 'The database did not answer: {reason}',
    remedy: 'Check that PostgreSQL is running and DATABASE_URL points at it; Starling reconnects by itself.',
  },
  'PROXY-DEP-REDIS_UNAVAILABLE': {
    status: 503, retryable: true, actor: 'starling-operator',
    title: 'Redis unavailable',
    message: 'Redis did not answer: {reason}',
    remedy: 'Check that Redis is running and REDIS_URL points at it; Starling reconnects by itself.',
  },
  'PROXY-SYS-SHUTTING_DOWN': {
    status: 503, retryable: true, actor: 'caller',
    title: 'Server shutting down',
    message: 'The server is shutting down and accepts no new work.',
    remedy: 'Retry against another proxy or after the restart.',
  },
  'PROXY-UNK-UNEXPECTED': {
    status: 500, retryable: true, actor: 'starling-operator',
    title: 'Unexpected error',
    message: 'An unexpected error occurred; it was logged with request id {requestId}.',
    remedy: 'Retry; if it persists, report the request id to the Starling operators.',
  },
} as const satisfies LayerCatalog<'PROXY'>;
