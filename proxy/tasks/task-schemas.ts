import { z } from '@hono/zod-openapi';
import { RUN_STATES } from '../../db/index.js';
import { ProblemSchema } from '../../http/index.js';

/** Most targets one task may name. */
export const MAX_TARGETS = 100_000;

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).max(256);

/** `POST /v1/tasks` body. Exactly one of `command` and `argv`. */
export const TaskRequestSchema = z
  .object({
    targets: z
      .array(z.union([z.string().trim().min(1).max(255), z.number().int().positive()]))
      .min(1)
      .max(MAX_TARGETS)
      .openapi({ description: 'Hosts by id, IP, SN or hostname; at most 100,000.', example: ['10.0.0.7', 'web-01'] }),
    command: z.string().max(131_072).optional().openapi({ description: 'Shell command, run by `/bin/sh -c`.', example: 'uptime' }),
    argv: z.array(z.string().max(32_768)).max(4096).optional().openapi({ description: 'Program and arguments, run without a shell.' }),
    timeoutMs: z.number().int().min(100).max(7 * 24 * 3_600_000).default(60_000).openapi({ description: 'Kill the command after this long; default 60,000.' }),
    cwd: z.string().min(1).max(4096).optional(),
    env: z.record(envName, z.string().max(32_768)).refine((m) => Object.keys(m).length <= 256, 'at most 256 variables').optional(),
    user: z.string().min(1).max(64).optional().openapi({ description: 'Run as this user (the agent must run as root).' }),
    wait: z.number().min(0).max(3600).default(0).openapi({ description: 'Seconds to hold the request for results (synchronous mode); 0 answers at once.' }),
  })
  .openapi('TaskRequest');
export type TaskRequest = z.output<typeof TaskRequestSchema>;

const stateCounts = z.object(Object.fromEntries(RUN_STATES.map((s) => [s, z.number().int()])) as Record<(typeof RUN_STATES)[number], z.ZodNumber>);

/** A run's state change. */
export const RunEventSchema = z.object({ state: z.string(), at: z.string(), detail: z.record(z.string(), z.unknown()).nullable() }).openapi('RunEvent');

/** One run: a task on one host (or one unresolved target). */
export const RunSchema = z
  .object({
    id: z.string(),
    target: z.string(),
    hostId: z.number().int().nullable(),
    agentId: z.string().nullable(),
    channelId: z.string().nullable(),
    state: z.enum(RUN_STATES),
    attempts: z.number().int(),
    exitCode: z.number().int().nullable(),
    signal: z.string().nullable(),
    stdout: z.string().nullable(),
    stderr: z.string().nullable(),
    stdoutTruncated: z.boolean(),
    stderrTruncated: z.boolean(),
    durationMs: z.number().int().nullable(),
    createdAt: z.string(),
    dispatchedAt: z.string().nullable(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    deadlineAt: z.string(),
    error: ProblemSchema.nullable().openapi({ description: 'For every run that did not succeed: an RFC 9457 problem.' }),
    history: z.array(RunEventSchema),
  })
  .openapi('Run');
export type RunView = z.output<typeof RunSchema>;

/** A task with its runs counted by state. */
export const TaskSchema = z
  .object({
    id: z.string(),
    lane: z.enum(['interactive', 'bulk']),
    command: z.string().nullable(),
    argv: z.array(z.string()).nullable(),
    timeoutMs: z.number().int(),
    targetCount: z.number().int(),
    counts: stateCounts,
    done: z.boolean(),
    createdAt: z.string(),
    deadlineAt: z.string(),
    canceledAt: z.string().nullable(),
    finishedAt: z.string().nullable().openapi({ description: 'When the last run ended, once all have.' }),
    durationMs: z.number().int().nullable(),
  })
  .openapi('Task');
export type TaskView = z.output<typeof TaskSchema>;

/** `POST /v1/tasks` answer: the task, and its runs inline when `wait` was given. */
export const TaskCreatedSchema = TaskSchema.extend({ runs: z.array(RunSchema).optional() }).openapi('TaskCreated');

/** `GET /v1/tasks/{id}/runs` query. */
export const RunsQuerySchema = z.object({
  state: z.enum(RUN_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().uuid().optional().openapi({ description: 'Cursor: the `next` of the previous page.' }),
});

/** A page of runs. */
export const RunPageSchema = z.object({ runs: z.array(RunSchema), next: z.string().nullable() }).openapi('RunPage');

/** A task id in the path. */
export const TaskIdParams = z.object({ id: z.string().uuid().openapi({ param: { name: 'id', in: 'path' } }) });
