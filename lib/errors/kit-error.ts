import type { KitErrorCode } from './codes.js';

/**
 * Brand shared by every copy of the kit loaded in one process (the ESM and the CJS build can
 * both be present): `instanceof KitError` and `isKitError()` work across them.
 */
const KIT_ERROR_BRAND = Symbol.for('express-platform-kit.KitError');

export interface KitErrorOptions {
  /** The underlying error, kept for logs; never rendered to clients. */
  cause?: unknown;
  /**
   * The module that raised it has already reported this failure in the log (for example one
   * line when a store outage starts and one when it ends): `errorHandler()` does not log it
   * again per request.
   */
  reported?: boolean;
  /**
   * What a client may see when `errorHandler()` answers this error with a 4xx (e.g. the list of
   * validation issues). Default: the message. Never shown for a 5xx.
   */
  detail?: unknown;
}

/**
 * Base class of every error the kit throws or passes to `next()`.
 *
 * @example
 * ```ts
 * try { await mutex.acquire('user:1', { waitMs: 100 }) }
 * catch (err) { if (isKitError(err) && err.code === 'ERR_LOCK_TIMEOUT') retryLater() }
 * ```
 */
export class KitError extends Error {
  /** Stable code from {@link KitErrorCode}; branch on this, not on `message`. */
  readonly code: KitErrorCode;
  /** See {@link KitErrorOptions.reported}. */
  reported: boolean;
  /** See {@link KitErrorOptions.detail}. */
  readonly detail: unknown;

  constructor(code: KitErrorCode, message: string, options: KitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.reported = options.reported === true;
    this.detail = options.detail ?? message;
    this.name = new.target.name;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // Subclasses keep the normal prototype check; the base class also accepts branded errors
    // created by another copy of the kit (dual ESM/CJS loading).
    if (this === KitError) return isKitError(value);
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

// The brand lives on the prototype (inherited by every subclass): a property defined on each
// instance cost more than the rest of the constructor.
Object.defineProperty(KitError.prototype, KIT_ERROR_BRAND, { value: true });

/** True for any error created by the kit, whichever copy (ESM or CJS) created it. */
export function isKitError(value: unknown): value is KitError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[KIT_ERROR_BRAND] === true;
}
