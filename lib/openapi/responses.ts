/**
 * Small helpers for the `responses` of a route: JSON bodies described by zod schemas.
 */
import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from './zod.js';

/**
 * A JSON response described by a zod schema. The schema's type is kept, so a route
 * handler's `res.json()` accepts only bodies of its documented responses.
 *
 * @example
 * ```ts
 * responses: { 200: jsonResponse(Graph, 'The graph'), 404: jsonResponse(ErrorDetail, 'No such graph') }
 * ```
 */
export function jsonResponse<S extends z.ZodType>(schema: S, description: string, options: { headers?: ResponseConfig['headers'] } = {}): ResponseConfig & { content: { 'application/json': { schema: S } } } {
  return {
    description,
    ...(options.headers !== undefined ? { headers: options.headers } : {}),
    content: { 'application/json': { schema } },
  };
}

/**
 * A response without a body (e.g. 204).
 *
 * @example
 * ```ts
 * responses: { 204: emptyResponse('Deleted') }
 * ```
 */
export function emptyResponse(description: string): ResponseConfig {
  return { description };
}

/** zod schema of the kit's error body `{"detail": "..."}` (component `ErrorDetailBody`). */
export const ErrorDetailBody = z.object({ detail: z.string() }).openapi('ErrorDetailBody');
