/** Input checks and error mapping of the store: clear 4xx/503 errors, never a value in a message. */
import type { z } from 'zod';
import { HttpError } from '../errors/http-error.js';
import { isKitError } from '../errors/kit-error.js';
import { LONE_SURROGATE } from './types.js';

const MAX_USER_ID_LENGTH = 512;

/** A zod failure as a 400 `ERR_VALIDATION` whose detail lists `{ loc, msg }` (never the values). */
export function invalid(error: z.ZodError, what: string): HttpError {
  const issues = error.issues.slice(0, 20).map((issue) => ({ loc: issue.path.map(String), msg: issue.message }));
  const text = issues.map((issue) => `${issue.loc.join('.') || '(root)'}: ${issue.msg}`).join('; ');
  return new HttpError(400, `Invalid ${what}: ${text}`.slice(0, 2000), { code: 'ERR_VALIDATION', detail: issues, cause: error });
}

/** Throws 400 unless `userId` is a non-empty, well-formed string of at most 512 characters. */
export function checkUserId(userId: unknown): string {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID_LENGTH || LONE_SURROGATE.test(userId)) {
    throw new HttpError(400, `userId must be a non-empty, well-formed string of at most ${MAX_USER_ID_LENGTH} characters`, { code: 'ERR_VALIDATION' });
  }
  return userId;
}

const LOCK_FAILURES = new Set(['ERR_STORE_UNAVAILABLE', 'ERR_LOCK_TIMEOUT', 'ERR_LOCK_LOST', 'ERR_LOCK_TABLE_FULL']);

/** Mutex failures (Redis down, lock busy or lost) become a 503 the error handler can render. */
export function lockFailureAsHttp(error: unknown): unknown {
  if (!isKitError(error) || error instanceof HttpError || !LOCK_FAILURES.has(error.code)) return error;
  return new HttpError(503, 'The credentials store is busy or unavailable; nothing was written, retry later', { code: error.code, cause: error });
}
