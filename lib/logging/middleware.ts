/**
 * Express glue: `requestContext()` opens the per-request log context, `accessLog()` writes one
 * line per finished or aborted request.
 */
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type winston from 'winston';
import { z } from 'zod';
import { ConfigError, parseOptions } from '../config/settings.js';
import { levelPriority, LOG_LEVELS } from './levels.js';
import { getLoggingState } from './configure.js';
import { bindToLogContext, getLogContextStore, runWithLogContext, type LogContextFields, type LogContextStore } from './context.js';
import { getLogger } from './logger.js';
import { redactUrl } from './redact.js';
import { cloudTraceFields, parseTraceHeaders, TRACE_KEY } from './trace.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The request id set by `requestContext()` (also echoed in the `X-Request-Id` response header). */
      requestId?: string;
    }
  }
}

const STORE = Symbol.for('express-platform-kit.logContext');
type WithStore = Request & { [STORE]?: LogContextStore };

/** A valid incoming request id: 1–128 characters of `A–Z a–z 0–9 . _ : -`. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export interface RequestContextOptions {
  /** Header read and echoed. Default `X-Request-Id`. */
  header?: string;
  /** Keep a valid incoming id (behind a trusted proxy or gateway). Default true. */
  trustIncoming?: boolean;
  /** Makes a new id. Default `crypto.randomUUID`. */
  generate?: () => string;
  /** Echo the id in the response header. Default true. */
  echo?: boolean;
  /** Google Cloud project id for trace fields (default: the cloud transport's). */
  projectId?: string;
}

const contextSchema = z
  .object({
    header: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a header name').optional(),
    trustIncoming: z.boolean().optional(),
    generate: z.function().optional(),
    echo: z.boolean().optional(),
    projectId: z.string().min(1).optional(),
  })
  .strict();

function userFieldsOf(req: Request): LogContextFields | undefined {
  const holder = req as unknown as { user?: { id?: unknown } | null; userId?: unknown; apiKey?: { id?: unknown } | null };
  const user = holder.user;
  const authId = user && typeof user === 'object' ? user.id : undefined;
  const effective = holder.userId ?? authId;
  if (effective === undefined && !holder.apiKey) return undefined;
  const fields: LogContextFields = {};
  if (typeof effective === 'string' || typeof effective === 'number') fields.userId = String(effective).slice(0, 128);
  // An admin acting as another user (auth's X-Act-As-User-Id): keep who really acted.
  if ((typeof authId === 'string' || typeof authId === 'number') && String(authId) !== fields.userId) fields.actorUserId = String(authId).slice(0, 128);
  const apiKeyId = holder.apiKey && typeof holder.apiKey === 'object' ? holder.apiKey.id : undefined;
  if (typeof apiKeyId === 'string' || typeof apiKeyId === 'number') fields.apiKeyId = String(apiKeyId).slice(0, 128);
  return fields;
}

// `once` goes through `this.on`, so its wrapper gets bound too (and still removes itself).
const BOUND = ['on', 'addListener'] as const;

/**
 * Listeners added to the request while in its context run in it, even when the event comes
 * from the socket: callback-style body readers ('data'/'end' listeners) would otherwise run
 * outside the request's AsyncLocalStorage context when the body arrives in later packets.
 */
function bindRequestListeners(req: EventEmitter, store: LogContextStore): void {
  const target = req as unknown as Record<string, unknown>;
  for (const method of BOUND) {
    const original = req[method] as (event: string | symbol, listener: (...args: unknown[]) => void) => EventEmitter;
    target[method] = function addBoundListener(this: EventEmitter, event: string | symbol, listener: (...args: unknown[]) => void) {
      if (typeof listener !== 'function') return original.call(this, event, listener);
      const bound = bindToLogContext(store, listener) as typeof listener & { listener?: unknown };
      // EventEmitter#removeListener matches `.listener`, so removing the original still works.
      bound.listener = listener;
      return original.call(this, event, bound);
    };
  }
}

/**
 * Opens a log context per request: `requestId` (a valid incoming `X-Request-Id`, else a new
 * UUID; echoed in the response), `userId` once an auth middleware set `req.user` /
 * `req.userId` (read when each line is written, so middleware order does not matter), the
 * Cloud trace of the request, and whatever `setLogContext()` adds.
 *
 * @example
 * ```ts
 * app.use(requestContext())
 * app.get('/x', (req, res) => { getLogger('x').info('hello'); res.send('ok') }) // line carries requestId
 * ```
 */
export function requestContext(options: RequestContextOptions = {}): RequestHandler {
  const parsed = parseOptions(contextSchema, options, 'requestContext() options') as RequestContextOptions;
  const header = parsed.header ?? 'X-Request-Id';
  const headerKey = header.toLowerCase();
  const trustIncoming = parsed.trustIncoming ?? true;
  const generate = parsed.generate ?? randomUUID;
  const echo = parsed.echo ?? true;
  return function requestContextMiddleware(req: Request, res: Response, next: NextFunction): void {
    const incoming = req.headers[headerKey];
    let requestId: string;
    if (trustIncoming && typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming)) {
      requestId = incoming;
    } else {
      try {
        requestId = String(generate());
        if (!REQUEST_ID_PATTERN.test(requestId)) requestId = randomUUID();
      } catch {
        requestId = randomUUID();
      }
    }
    const store: LogContextStore = { requestId, fields: {}, lazyFields: () => userFieldsOf(req) };
    const { cloud, projectId: cloudProject } = getLoggingState();
    const projectId = parsed.projectId ?? cloudProject;
    if (cloud && projectId) {
      Object.assign(store.fields, cloudTraceFields(parseTraceHeaders(req.headers.traceparent, req.headers['x-cloud-trace-context']), projectId));
    }
    req.requestId = requestId;
    (req as WithStore)[STORE] = store;
    if (echo && !res.headersSent) res.setHeader(header, requestId);
    bindRequestListeners(req, store);
    runWithLogContext(store, next);
  };
}

export interface AccessLogOptions {
  /** Logger to write to. Default `getLogger('access')`. */
  logger?: winston.Logger;
  /** Level of every line, or per status. Default `'info'` (aborted requests: `'warning'`). */
  level?: string | ((status: number, aborted: boolean) => string);
  /** Skip some requests (health checks…). */
  skip?: (req: Request, res: Response) => boolean;
  /** Also log the full URL (query values that look like credentials redacted). Default false. */
  url?: boolean;
  /** Google Cloud project id for trace fields (default: the cloud transport's). */
  projectId?: string;
}

const accessSchema = z
  .object({
    logger: z.any().optional(),
    level: z.union([z.string(), z.function()]).optional(),
    skip: z.function().optional(),
    url: z.boolean().optional(),
    projectId: z.string().min(1).optional(),
  })
  .strict();

const LEVEL = Symbol.for('level');
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;

function clean(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.length > max ? value.slice(0, max) : value;
  return text.replace(CONTROL, '');
}

function chunkBytes(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk && typeof (chunk as { length?: unknown }).length === 'number') return (chunk as { length: number }).length;
  return 0;
}

function routePathOf(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route;
  if (route && typeof route.path === 'string') return `${req.baseUrl ?? ''}${route.path}` || '/';
  const url = req.originalUrl ?? req.url ?? '/';
  const question = url.indexOf('?');
  return question < 0 ? url : url.slice(0, question);
}

/**
 * One line per finished or aborted request: method, route path (`/users/:id`, not the raw
 * URL), status, duration (ms), response bytes, client ip (`req.ip`, honours `trust proxy`)
 * and user agent; Cloud `httpRequest` and trace fields when the cloud transport is on.
 * Credentials never appear: no headers are logged and query values that look like tokens
 * are redacted.
 *
 * @example
 * ```ts
 * app.use(requestContext(), accessLog())
 * ```
 */
export function accessLog(options: AccessLogOptions = {}): RequestHandler {
  const parsed = parseOptions(accessSchema, options, 'accessLog() options') as AccessLogOptions;
  const logger = parsed.logger ?? getLogger('access');
  const levelOption = parsed.level ?? 'info';
  if (typeof levelOption === 'string' && levelPriority(levelOption) === undefined) {
    throw new ConfigError([{ variable: 'level', message: `must be one of ${Object.keys(LOG_LEVELS).join(', ')}` }], 'accessLog() options');
  }
  const levelOf = typeof levelOption === 'function' ? levelOption : (_status: number, aborted: boolean) => (aborted ? 'warning' : levelOption);
  const logUrl = parsed.url ?? false;
  return function accessLogMiddleware(req: Request, res: Response, next: NextFunction): void {
    if (parsed.skip?.(req, res)) return next();
    const started = performance.now();
    let bytes = 0;
    let done = false;
    const write = res.write;
    const end = res.end;
    res.write = function countingWrite(this: Response, chunk: unknown, ...rest: unknown[]) {
      bytes += chunkBytes(chunk, rest[0]);
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as Response['write'];
    res.end = function countingEnd(this: Response, chunk?: unknown, ...rest: unknown[]) {
      if (typeof chunk !== 'function') bytes += chunkBytes(chunk, rest[0]);
      return (end as (...args: unknown[]) => Response).call(this, chunk, ...rest);
    } as Response['end'];

    const finish = (aborted: boolean): void => {
      if (done) return;
      done = true;
      try {
        const durationMs = Math.round((performance.now() - started) * 10) / 10;
        const status = res.statusCode;
        const method = clean(req.method, 16) ?? '-';
        const path = clean(routePathOf(req), 2048) ?? '/';
        const record: Record<string | symbol, unknown> = {
          message: `${method} ${path} ${status} ${durationMs}ms${aborted ? ' (aborted)' : ''}`,
          method,
          path,
          status,
          durationMs,
          bytes,
          ip: req.ip,
          userAgent: clean(req.headers['user-agent'], 512),
        };
        if (aborted) record.aborted = true;
        if (logUrl) record.url = clean(redactUrl(req.originalUrl ?? req.url ?? ''), 4096);
        const store = (req as WithStore)[STORE] ?? getLogContextStore();
        const { cloud, projectId: cloudProject } = getLoggingState();
        if (cloud) {
          const seconds = durationMs / 1000;
          record.httpRequest = {
            requestMethod: method,
            requestUrl: clean(redactUrl(req.originalUrl ?? req.url ?? ''), 4096),
            status,
            responseSize: String(bytes),
            userAgent: record.userAgent,
            remoteIp: req.ip,
            referer: clean(typeof req.headers.referer === 'string' ? redactUrl(req.headers.referer) : undefined, 2048),
            protocol: `HTTP/${req.httpVersion}`,
            latency: cloud.mode === 'api' ? { seconds: Math.floor(seconds), nanos: Math.round((seconds % 1) * 1e9) } : `${seconds}s`,
          };
          const projectId = parsed.projectId ?? cloudProject;
          if (!(store && TRACE_KEY in store.fields)) {
            Object.assign(record, cloudTraceFields(parseTraceHeaders(req.headers.traceparent, req.headers['x-cloud-trace-context']), projectId));
          }
        }
        const level = levelOf(status, aborted);
        record.level = level;
        record[LEVEL] = level;
        if (store && getLogContextStore() !== store) {
          runWithLogContext(store, () => logger.write(record as never));
        } else {
          logger.write(record as never);
        }
      } catch {
        // Logging a request must never break the app.
      }
    };
    res.once('finish', () => finish(false));
    res.once('close', () => finish(!res.writableFinished));
    next();
  };
}

