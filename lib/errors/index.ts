/**
 * `express-platform-kit/errors`: the one error family of the kit.
 * - `KitError`: base class with a stable `code` (branch on it);
 * - `HttpError`: HTTP-facing errors, `http-errors` compatible;
 * - `errorHandler()`: renders `{"detail": ...}` and hides 5xx internals.
 */
export { KIT_ERROR_CODES, type KitErrorCode } from './codes.js';
export { KitError, isKitError, type KitErrorOptions } from './kit-error.js';
export { HttpError, httpError, type HttpErrorOptions, type ErrorDetail } from './http-error.js';
export { errorHandler, type ErrorHandlerOptions } from './error-handler.js';
