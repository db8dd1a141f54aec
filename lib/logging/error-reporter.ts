/**
 * The kit logger as the error reporter of `errorHandler()`: every error answered with a 5xx
 * becomes one structured record of the `errors` logger, with the request's context (requestId,
 * userId…), method, path, status and the stack as a field (`exception` in JSON), instead of
 * lines on stderr. `configureLogging()` registers it; `shutdownLogging()` hands reporting back
 * to the synchronous stderr line, which still works while transports close.
 */
import { isKitError } from '../errors/kit-error.js';
import { setErrorReporter, type ErrorReport } from '../errors/report.js';
import { getLogContextStore } from './context.js';
import { getLogger } from './logger.js';

const log = getLogger('errors');

/** Writes one error report as one `errors` record. Errors already logged by their module (`reported`) are skipped. */
export function logErrorReport(report: ErrorReport): void {
  const { error, status, method, path, requestId } = report;
  if (isKitError(error) && error.reported) return;
  const fields: Record<string, unknown> = { status, method, path };
  // Inside requestContext() the record already carries the id; outside, take the handler's.
  if (requestId !== undefined && !getLogContextStore()) fields.requestId = requestId;
  let message: string;
  if (error instanceof Error) {
    message = error.message || error.name;
    fields.errorName = error.name;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') fields.errorCode = code;
    if (error.stack) fields.stack = error.stack;
  } else {
    message = String(error);
  }
  log.error(message, fields);
}

/** Makes the kit logger the error reporter (idempotent). */
export function registerErrorReporter(): void {
  setErrorReporter(logErrorReport);
}

/** Restores the stderr reporter. */
export function unregisterErrorReporter(): void {
  setErrorReporter(undefined);
}
