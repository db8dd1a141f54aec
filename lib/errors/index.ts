/**
 * `express-platform-kit/errors`: the one error family of the kit.
 * - `KitError`: base class with a stable `code` (branch on it);
 * - `HttpError`: HTTP-facing errors, `http-errors` compatible;
 * - `errorHandler()`: renders `{"detail": ...}`, hides and reports 5xx internals;
 * - `ValidationIssue` / `validationError()`: the one shape of a 400.
 */
export { KIT_ERROR_CODES, type KitErrorCode } from './codes.js';
export { KitError, isKitError, type KitErrorOptions } from './kit-error.js';
export { HttpError, httpError, type HttpErrorOptions, type ErrorDetail } from './http-error.js';
export { errorHandler, type ErrorHandlerOptions } from './error-handler.js';
/** The one shape of a request-validation failure (400 `ERR_VALIDATION`). */
export { validationError, issuesFromZod, type ValidationIssue, type ValidationLocation } from './validation-issue.js';
/** The status errorHandler answers for a status-less `KitError`. */
export { statusForCode } from './status.js';
/** Where 5xx errors are reported (logging registers the kit logger here). */
export { reportError, setErrorReporter, getErrorReporter, stderrErrorReporter, type ErrorReport, type ErrorReporter } from './report.js';
