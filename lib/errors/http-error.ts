import { STATUS_CODES } from 'node:http';
import type { KitErrorCode } from './codes.js';
import { KitError } from './kit-error.js';

/** JSON-serialisable `detail` rendered by {@link errorHandler} as `{"detail": ...}`. */
export type ErrorDetail = string | number | boolean | null | { [key: string]: unknown } | unknown[];

export interface HttpErrorOptions {
  /** Stable code; defaults to `ERR_HTTP`. */
  code?: KitErrorCode;
  /** Response body `detail`; defaults to the message. */
  detail?: ErrorDetail;
  /** Response headers, e.g. `WWW-Authenticate` or `Retry-After`. */
  headers?: Record<string, string>;
  /** Whether `detail` may be shown to clients; defaults to `status < 500` like http-errors. */
  expose?: boolean;
  /** The underlying error (logged, never rendered). */
  cause?: unknown;
  /** Already reported in the log by the module that raised it (see `KitErrorOptions.reported`). */
  reported?: boolean;
}

/**
 * An HTTP-facing error, compatible with `http-errors` (`status`, `statusCode`, `expose`,
 * `headers`), so Express's default handler and other error middlewares already honour it.
 *
 * @example
 * ```ts
 * next(new HttpError(404, 'Graph not found'))
 * ```
 */
export class HttpError extends KitError {
  readonly status: number;
  readonly statusCode: number;
  readonly expose: boolean;
  readonly headers: Record<string, string>;
  declare readonly detail: ErrorDetail;

  constructor(status: number, message?: string, options: HttpErrorOptions = {}) {
    const safeStatus = Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
    const text = message ?? STATUS_CODES[safeStatus] ?? 'Error';
    // A 4xx is an answer to the client, not a fault: nothing logs its stack (errorHandler
    // reports only 5xx), and capturing one was the most expensive step of a 401 (~4–8 µs of
    // ~35 per request, bench/http). `stack` is then the first line only; a 5xx keeps its frames.
    const limit = Error.stackTraceLimit;
    if (safeStatus < 500) Error.stackTraceLimit = 0;
    try {
      super(options.code ?? 'ERR_HTTP', text, { cause: options.cause, reported: options.reported, detail: options.detail ?? text });
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.status = safeStatus;
    this.statusCode = safeStatus;
    this.expose = options.expose ?? safeStatus < 500;
    this.headers = { ...(options.headers ?? {}) };
  }
}

/** Shorthand for `new HttpError(status, message, options)`. */
export function httpError(status: number, message?: string, options?: HttpErrorOptions): HttpError {
  return new HttpError(status, message, options);
}
