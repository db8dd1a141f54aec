/**
 * The one shape of a request-validation failure, wherever it was found (the router's zod
 * validation, a body parser that ran before it, a store checking what the app passed on):
 * a 400 `ERR_VALIDATION` whose `detail` lists issues `{ location, path, message, code }`.
 */
import { HttpError } from './http-error.js';

/** Where a bad value was found. */
export type ValidationLocation = 'params' | 'query' | 'headers' | 'body';

/** One readable validation problem, as rendered in the 400 response `detail` list. */
export interface ValidationIssue {
  /** `params`, `query`, `headers` or `body`. */
  location: ValidationLocation;
  /** Dotted path inside that part (`items.0.name`); empty for the part itself. */
  path: string;
  /** What is wrong, e.g. `Invalid input: expected string, received number`. Never echoes the value. */
  message: string;
  /** Machine-readable reason: zod's issue code (`invalid_type`, `too_big`, …) or the kit's (`invalid_json`, …). */
  code: string;
}

/** Issues of a zod error (any object with zod's `issues` list) for one request part. */
export function issuesFromZod(location: ValidationLocation, error: { issues: readonly { path: readonly PropertyKey[]; message: string; code: string }[] }): ValidationIssue[] {
  return error.issues.map((issue) => ({
    location,
    path: issue.path.map((segment) => (typeof segment === 'symbol' ? segment.toString() : String(segment))).join('.'),
    message: issue.message,
    code: issue.code,
  }));
}

/**
 * The 400 `ERR_VALIDATION` error listing `issues` (the body `{"detail": [issue, …]}`).
 *
 * @example
 * ```ts
 * next(validationError([{ location: 'query', path: 'limit', message: 'Too big', code: 'too_big' }]))
 * ```
 */
export function validationError(issues: ValidationIssue[], options: { message?: string; cause?: unknown } = {}): HttpError {
  return new HttpError(400, options.message ?? 'Request validation failed', { code: 'ERR_VALIDATION', detail: issues, cause: options.cause });
}
