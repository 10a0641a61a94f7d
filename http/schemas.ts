import { z } from '@hono/zod-openapi';
import { ACTORS, CATEGORIES, LAYERS } from '../core/index.js';

/** OpenAPI schema of an RFC 9457 problem document with Starling's members. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: '/v1/error-codes/PROXY-USR-VALIDATION_FAILED' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    code: z.string().openapi({ example: 'PROXY-USR-VALIDATION_FAILED' }),
    layer: z.enum(LAYERS),
    category: z.enum(CATEGORIES),
    retryable: z.boolean(),
    remedy: z.string(),
    actor: z.enum(ACTORS),
    cause: z.string().optional(),
    owner: z.unknown().optional(),
    evidence: z.unknown().optional(),
    diagnosis: z.unknown().optional(),
    errors: z.unknown().optional(),
  })
  .openapi('Problem');

/** The error response entry for route declarations: `responses: { 422: problemResponseSpec('…') }`. */
export function problemResponseSpec(description: string) {
  return { description, content: { 'application/problem+json': { schema: ProblemSchema } } };
}

/** OpenAPI schema of one error catalogue entry. */
export const ErrorCodeSchema = z
  .object({
    code: z.string(),
    layer: z.enum(LAYERS),
    category: z.enum(CATEGORIES),
    name: z.string(),
    status: z.number().int(),
    retryable: z.boolean(),
    title: z.string(),
    message: z.string(),
    remedy: z.string(),
    actor: z.enum(ACTORS),
  })
  .openapi('ErrorCode');
