import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { fromBodyParserError } from './body-parser-errors.js';
import { isKitError } from './kit-error.js';
import { reportError } from './report.js';
import { copyErrorHeaders } from './response-headers.js';
import { statusForCode } from './status.js';

export interface ErrorHandlerOptions {
  /**
   * Called for every error answered with a 5xx (the details that clients never see), instead
   * of the default: one structured log line through the kit's logger (`reportError`), or one
   * JSON line on stderr before `configureLogging()` ran. Errors whose module already logged
   * them (`err.reported === true`) are not reported again.
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
  reported?: unknown;
}

function isErrorStatus(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599;
}

function statusOf(err: unknown, httpLike: HttpLike): number {
  if (isErrorStatus(httpLike.status)) return httpLike.status;
  if (isErrorStatus(httpLike.statusCode)) return httpLike.statusCode;
  return isKitError(err) ? statusForCode(err.code) : 500;
}

/** What the client sees: the detail (or message) of a 4xx unless `expose: false`; a 5xx's status text unless `expose: true`. */
function detailOf(httpLike: HttpLike, status: number): unknown {
  const expose = status < 500 ? httpLike.expose !== false : httpLike.expose === true;
  if (expose) {
    if (httpLike.detail !== undefined) return httpLike.detail;
    if (typeof httpLike.message === 'string' && httpLike.message !== '') return httpLike.message;
  }
  return STATUS_CODES[status] ?? 'Error';
}

function requestIdOf(req: Request, res: Response): string | undefined {
  const fromContext = (req as { requestId?: unknown }).requestId;
  if (typeof fromContext === 'string' && fromContext !== '') return fromContext;
  const echoed = res.getHeader('x-request-id');
  return typeof echoed === 'string' && echoed !== '' ? echoed : undefined;
}

function reportServerError(err: unknown, req: Request, res: Response, status: number, custom: ErrorHandlerOptions['onServerError']): void {
  if (custom !== undefined) {
    try {
      custom(err, req);
    } catch {
      // a broken hook must not turn one failure into two
    }
    return;
  }
  const requestId = requestIdOf(req, res);
  reportError({
    error: err,
    status,
    method: req.method,
    path: (req.originalUrl ?? req.url ?? '').split('?')[0] ?? '',
    ...(requestId !== undefined ? { requestId } : {}),
  });
}

/**
 * Express error middleware rendering every error as `{"detail": ...}` JSON. 4xx errors show
 * their `detail` (or message) when `expose` is true; 5xx errors never show internals, only the
 * status text, and are reported once as one structured log line (request id, stack as a field).
 * body-parser failures (from `express.json()` anywhere) get the kit's shapes: 400
 * `ERR_VALIDATION` with a `detail` list, 413 `ERR_PAYLOAD_TOO_LARGE`. A `KitError` without a
 * status answers the status its code means (`ERR_CREDENTIALS_NOT_FOUND` → 404).
 *
 * `err.headers` (`WWW-Authenticate`, `Retry-After`) are sent, except hop-by-hop and entity
 * headers (`Content-Type`, `Content-Length`, `Transfer-Encoding`, …) and `Set-Cookie`: the body
 * is always `application/json` with `X-Content-Type-Options: nosniff`.
 *
 * @example
 * ```ts
 * app.use(errorHandler()) // after your routes
 * ```
 */
export function errorHandler(options: ErrorHandlerOptions = {}): ErrorRequestHandler {
  const custom = options.onServerError;
  return function kitErrorHandler(err, req, res, next) {
    if (res.headersSent) {
      next(err);
      return;
    }
    const error: unknown = fromBodyParserError(err) ?? err;
    const httpLike: HttpLike = typeof error === 'object' && error !== null ? (error as HttpLike) : {};
    const status = statusOf(error, httpLike);
    if (status >= 500 && httpLike.reported !== true) reportServerError(error, req, res, status, custom);
    copyErrorHeaders(res, httpLike.headers);
    // Our own content headers, whatever a middleware or the error set before.
    res.removeHeader('Content-Length');
    res.removeHeader('Content-Encoding');
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.status(status);
    sendJson(req, res, { detail: detailOf(httpLike, status) });
  };
}

interface JsonSettings {
  'json replacer'?: unknown;
  'json spaces'?: unknown;
  'json escape'?: unknown;
}

/**
 * The body, written directly: `res.json()` → `res.send()` also hashes an ETag and re-parses the
 * Content-Type for its charset, work an error answer never needs (~3 µs of a 401, bench/http).
 * An app that set Express's JSON settings (`json spaces`, `json replacer`, `json escape`) gets
 * `res.json()`, which honours them. Node drops the body of a HEAD answer itself.
 */
function sendJson(req: Request, res: Response, body: { detail: unknown }): void {
  const settings = (req.app as { settings?: JsonSettings } | undefined)?.settings;
  if (settings && (settings['json replacer'] !== undefined || settings['json spaces'] !== undefined || settings['json escape'])) {
    res.json(body);
    return;
  }
  const text = JSON.stringify(body);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
