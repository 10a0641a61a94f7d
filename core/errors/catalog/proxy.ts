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
  'PROXY-USR-WORKERS_NEED_REDIS': {
    status: 500, retryable: false, actor: 'starling-operator',
    title: 'Separate job workers need Redis',
    message: '{what} needs REDIS_URL: without Redis, jobs live in the memory of the process that queues them, so {consequence}.',
    remedy: 'Set REDIS_URL (BullMQ) for the HTTP processes and `starling worker` alike, or keep the job workers in the HTTP process (JOBS_WORKERS=true, the default, without --no-workers).',
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
  'PROXY-USR-UNAUTHORIZED': {
    status: 401, retryable: false, actor: 'caller',
    title: 'API key missing or invalid',
    message: 'The request carries no valid API key: {reason}',
    remedy: 'Send `Authorization: Bearer <key>` with a key made by `starling keys create --name NAME`.',
  },
  'PROXY-USR-ENROLMENT_REFUSED': {
    status: 401, retryable: false, actor: 'host-owner',
    title: 'Agent enrolment refused',
    message: 'The agent registration was refused: {reason}',
    remedy: 'Start the agent with the enrolment token the proxy is configured with (AGENT_ENROLMENT_TOKEN).',
  },
  'PROXY-USR-TARGET_NOT_FOUND': {
    status: 404, retryable: false, actor: 'caller',
    title: 'Target matches no host',
    message: 'The target {target} matches no known host (by id, IP, SN or hostname).',
    remedy: 'Check the target; a host is known once its agent has registered.',
  },
  'PROXY-USR-TOO_MANY_TARGETS': {
    status: 422, retryable: false, actor: 'caller',
    title: 'Too many targets',
    message: 'The task names {count} targets; at most {limit} are allowed.',
    remedy: 'Split the task into several of at most the limit each.',
  },
  'PROXY-USR-EMPTY_COMMAND': {
    status: 422, retryable: false, actor: 'caller',
    title: 'Empty command',
    message: 'The task has no command: {reason}',
    remedy: 'Give exactly one of `command` (a non-blank shell command) or `argv` (a non-empty array).',
  },
  'PROXY-USR-TASK_NOT_FOUND': {
    status: 404, retryable: false, actor: 'caller',
    title: 'No such task',
    message: 'There is no task {taskId}.',
    remedy: 'Check the task id returned by POST /v1/tasks.',
  },
  'PROXY-USR-TASK_CANCELED': {
    status: 409, retryable: false, actor: 'caller',
    title: 'Run canceled',
    message: 'The run was canceled before it finished.',
    remedy: 'Submit a new task if the command should still run; a command already started on the host may have completed.',
  },
  'PROXY-SYS-NO_SIGNING_KEY': {
    status: 500, retryable: true, actor: 'starling-operator',
    title: 'No run-signing key',
    message: 'The proxy has no run-signing key: {reason}',
    remedy: 'Check the database the proxy stores its signing key in; the proxy creates one on first start.',
  },
  'PROXY-UNK-UNEXPECTED': {
    status: 500, retryable: true, actor: 'starling-operator',
    title: 'Unexpected error',
    message: 'An unexpected error occurred; it was logged with request id {requestId}.',
    remedy: 'Retry; if it persists, report the request id to the Starling operators.',
  },
} as const satisfies LayerCatalog<'PROXY'>;
