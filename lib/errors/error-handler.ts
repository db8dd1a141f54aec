import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, Request } from 'express';
import { isKitError } from './kit-error.js';

export interface ErrorHandlerOptions {
  /**
   * Called for every error answered with a 5xx (the details that clients never see).
   * Default: one line on stderr through `console.error`.
   */
  onServerError?: (err: unknown, req: Request) => void;
}

interface HttpLike {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  headers?: unknown;
  detail?: unknown;
  message?: unknown;
}

function statusOf(err: HttpLike): number {
  const status = typeof err.status === 'number' ? err.status : err.statusCode;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
}

function defaultServerErrorReporter(err: unknown, req: Request): void {
  const code = isKitError(err) ? ` ${err.code}` : '';
  console.error(`[express-platform-kit] ${req.method} ${req.path} failed${code}:`, err);
}

/**
 * Express error middleware rendering every error as `{"detail": ...}` JSON (the shape the
 * reference service uses). 4xx errors show their `detail` (or message) when `expose` is true;
 * 5xx errors never show internals, only the status text. `headers` on the error
 * (`WWW-Authenticate`, `Retry-After`) are sent. Works with `HttpError`, `http-errors` and any
 * error carrying `status`/`statusCode`.
 *
 * @example
 * ```ts
 * app.use(errorHandler()) // after your routes
 * ```
 */
export function errorHandler(options: ErrorHandlerOptions = {}): ErrorRequestHandler {
  const report = options.onServerError ?? defaultServerErrorReporter;
  return function kitErrorHandler(err, req, res, next) {
    if (res.headersSent) {
      next(err);
      return;
    }
    const httpLike: HttpLike = typeof err === 'object' && err !== null ? (err as HttpLike) : {};
    const status = statusOf(httpLike);
    const expose = status < 500 ? httpLike.expose !== false : httpLike.expose === true;
    let detail: unknown = STATUS_CODES[status] ?? 'Error';
    if (expose) {
      if (httpLike.detail !== undefined) detail = httpLike.detail;
      else if (typeof httpLike.message === 'string' && httpLike.message !== '') detail = httpLike.message;
    }
    if (status >= 500) {
      try {
        report(err, req);
      } catch {
        // a broken reporter must not turn one failure into two
      }
    }
    if (httpLike.headers !== null && typeof httpLike.headers === 'object') {
      for (const [name, value] of Object.entries(httpLike.headers as Record<string, unknown>)) {
        if (typeof value === 'string' || typeof value === 'number') res.setHeader(name, String(value));
      }
    }
    res.status(status).json({ detail });
  };
}
