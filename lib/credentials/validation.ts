/**
 * Input checks and error shapes of the store. Core code: it throws `KitError`s with stable
 * codes and never an HTTP status; `errorHandler()` answers them (ERR_VALIDATION → 400,
 * ERR_CREDENTIALS_CONFLICT → 409, ERR_PAYLOAD_TOO_LARGE → 413, lock/store failures → 503).
 * No message or detail ever contains a value.
 */
import type { z } from 'zod';
import type { KitErrorCode } from '../errors/codes.js';
import { isKitError, KitError } from '../errors/kit-error.js';
import { issuesFromZod, type ValidationIssue } from '../errors/validation-issue.js';
import { LONE_SURROGATE } from './types.js';

const MAX_USER_ID_LENGTH = 512;

/**
 * An `ERR_VALIDATION` error with the kit's one issue shape. The store cannot know where the app
 * took a value from: credentials and OAuth-state inputs are reported as `body` (where they
 * usually come from), the user id as `params`.
 */
export function validationFailure(message: string, issues: ValidationIssue[], cause?: unknown): KitError {
  return new KitError('ERR_VALIDATION', message.slice(0, 2000), { detail: issues, cause });
}

/** A zod failure of an input record (at most 20 issues). */
export function invalid(error: z.ZodError, what: string): KitError {
  const issues = issuesFromZod('body', { issues: error.issues.slice(0, 20) });
  const text = issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ');
  return validationFailure(`Invalid ${what}: ${text}`, issues, error);
}

/** One issue about the body as a whole, or one of its fields. */
export function invalidBody(message: string, path = '', code = 'custom', cause?: unknown): KitError {
  return validationFailure(message, [{ location: 'body', path, message, code }], cause);
}

/** Throws `ERR_VALIDATION` unless `userId` is a non-empty, well-formed string of at most 512 characters. */
export function checkUserId(userId: unknown): string {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID_LENGTH || LONE_SURROGATE.test(userId)) {
    const message = `userId must be a non-empty, well-formed string of at most ${MAX_USER_ID_LENGTH} characters`;
    throw validationFailure(message, [{ location: 'params', path: 'userId', message, code: 'invalid_user_id' }]);
  }
  return userId;
}

/** A coded store error (`ERR_CREDENTIALS_CONFLICT`, `ERR_PAYLOAD_TOO_LARGE`, …). */
export function storeError(code: KitErrorCode, message: string): KitError {
  return new KitError(code, message);
}

const LOCK_FAILURES = new Set(['ERR_STORE_UNAVAILABLE', 'ERR_LOCK_TIMEOUT', 'ERR_LOCK_LOST', 'ERR_LOCK_TABLE_FULL']);

/** Mutex failures (Redis down, lock busy or lost) say that nothing was written; the code stays. */
export function explainLockFailure(error: unknown): unknown {
  if (!isKitError(error) || !LOCK_FAILURES.has(error.code)) return error;
  return new KitError(error.code, 'The credentials store is busy or unavailable; nothing was written, retry later', { cause: error });
}
