/**
 * `accessLog()`: one line per finished or aborted request, with Cloud Logging's `httpRequest`
 * and trace fields when the cloud transport is on. Credentials are never logged.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type winston from 'winston';
import { z } from 'zod';
import { ConfigError, parseOptions } from '../config/settings.js';
import { settleShape } from '../http/object-shape.js';
import { requestIp } from '../http/trust-proxy.js';
import { getLoggingState } from './configure.js';
import { currentTrace, expectRequestContext, getLogContextStore, requestUserFields, runWithLogContext, type LogContextStore } from './context.js';
import { isoTimestamp, isRecordOwnKey } from './formats.js';
import { levelPriority, LOG_LEVELS, severityOf } from './levels.js';
import { getRootLogger, plainJsonTargets } from './logger.js';
import { activeSpanTrace } from './otel.js';
import { isSensitiveKey, redactionCensor, redactionVersion, redactUrl } from './redact.js';
import { safeJsonStringify } from './safe-json.js';
import { routePatternOf } from './route-pattern.js';
import { cloudFieldsOfTrace, requestTraceFrom, traceLogFields, type RequestTrace } from './trace.js';

export interface AccessLogOptions {
  /** Logger to write to. Default: the root logger, records tagged `logger: 'access'`. */
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
    logger: z.custom<winston.Logger>((value) => value !== null && typeof value === 'object' && typeof (value as winston.Logger).write === 'function', { message: 'must be a winston logger' }).optional(),
    level: z.union([z.string(), z.custom<(status: number, aborted: boolean) => string>((value) => typeof value === 'function')]).optional(),
    skip: z.custom<(req: Request, res: Response) => boolean>((value) => typeof value === 'function', { message: 'must be a function' }).optional(),
    url: z.boolean().optional(),
    projectId: z.string().min(1).optional(),
  })
  .strict();

const LEVEL = Symbol.for('level');
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this pattern finds
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

/** The full route pattern (mounts included), or the path without its query when no route matched. */
function routePathOf(req: Request): string {
  const pattern = routePatternOf(req);
  if (pattern !== undefined) return pattern;
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
  const parsed = parseOptions(accessSchema, options, 'accessLog() options');
  // Default: the root logger with `logger: 'access'` in the record (what getLogger('access')
  // would add, without a child logger's extra copy of every record).
  const logger: winston.Logger = parsed.logger ?? getRootLogger();
  const loggerName = parsed.logger ? undefined : 'access';
  const levelOption = parsed.level ?? 'info';
  if (typeof levelOption === 'string' && levelPriority(levelOption) === undefined) {
    throw new ConfigError([{ variable: 'level', message: `must be one of ${Object.keys(LOG_LEVELS).join(', ')}` }], 'accessLog() options');
  }
  const levelOf = typeof levelOption === 'function' ? levelOption : (_status: number, aborted: boolean) => (aborted ? 'warning' : levelOption);
  const logUrl = parsed.url ?? false;
  const finish = (state: AccessState, aborted: boolean): void => {
    if (state.done) return;
    state.done = true;
    try {
      writeAccessLine(state, aborted, logger, loggerName, levelOf, logUrl, parsed.projectId);
    } catch {
      // Logging a request must never break the app.
    }
  };
  return function accessLogMiddleware(req: Request, res: Response, next: NextFunction): void {
    if (parsed.skip?.(req, res)) return next();
    const store = expectRequestContext(req, 'accessLog()');
    // The trace is taken now, inside the request's span: 'close' fires outside it.
    const state: AccessState = { req, res, store, started: performance.now(), bytes: 0, streamed: false, done: false, trace: currentTrace(store) };
    settleShape(res); // a no-op after requestContext(); settles the response when accessLog() runs without it (lib/http/object-shape.ts)
    countBodyBytes(res, state);
    // 'close' follows 'finish' on every response; without 'finish' the client went away. The
    // closures hold the state: no property of ours on Node's response object but `write`.
    // on, not once: 'close' fires once per response, and once() adds a wrapper of its own.
    res.on('close', () => finish(state, !res.writableFinished));
    next();
  };
}

interface AccessState {
  req: Request;
  res: Response;
  /** The request's log context (requestContext()'s), when there is one. */
  store: LogContextStore | undefined;
  started: number;
  /** Bytes counted by write()/end(); the whole count once `streamed`. */
  bytes: number;
  /** The body went through write() (or an own write/end set by something else): `bytes` counts it. */
  streamed: boolean;
  done: boolean;
  trace: RequestTrace | undefined;
}
type WriteMethod = (this: Response, ...args: unknown[]) => unknown;

/** `write` of one response: counts its chunk, then calls what the response inherits. */
function countingWrite(state: AccessState): WriteMethod {
  return function countingWriteMethod(this: Response, chunk: unknown, encoding: unknown): unknown {
    state.bytes += chunkBytes(chunk, encoding);
    // The body is streamed: from now on end() is counted too (its last chunk), unless
    // something mounted after accessLog() set its own end(), which then calls ours or not.
    if (!state.streamed) {
      state.streamed = true;
      if (!Object.prototype.hasOwnProperty.call(this, 'end')) (this as unknown as { end: WriteMethod }).end = countingEnd(state);
    }
    // biome-ignore lint/complexity/noArguments: forwards every argument (callback, encoding) unchanged
    return (Object.getPrototypeOf(this).write as WriteMethod).apply(this, arguments as unknown as unknown[]);
  };
}

/** `end` of a streamed response: counts its last chunk, then calls what the response inherits. */
function countingEnd(state: AccessState): WriteMethod {
  return function countingEndMethod(this: Response, chunk: unknown, encoding: unknown): unknown {
    if (typeof chunk !== 'function') state.bytes += chunkBytes(chunk, encoding);
    // biome-ignore lint/complexity/noArguments: forwards every argument (callback, encoding) unchanged
    return (Object.getPrototypeOf(this).end as WriteMethod).apply(this, arguments as unknown as unknown[]);
  };
}

/**
 * Counts response body bytes with the fewest own properties on the response (each one added to
 * Node's response object costs CPU on every request): only `write` is set on this response
 * (no prototype is touched). A response that is never written to but ended with its body
 * (`res.send`, `res.json`, `res.end(body)`) is sized at the end from what Node sends as its
 * Content-Length; the first `write` also sets `end`, so a streamed body's last chunk is counted.
 * When something already set its own `write`/`end` on the response, both are wrapped and counted.
 */
function countBodyBytes(res: Response, state: AccessState): void {
  const target = res as unknown as { write: WriteMethod; end: WriteMethod };
  // Named stores (not a loop over method names): a keyed store on Node's response object is a
  // slow, megamorphic operation, measured as the kit's most expensive line per request.
  if (Object.prototype.hasOwnProperty.call(res, 'write') || Object.prototype.hasOwnProperty.call(res, 'end')) {
    state.streamed = true;
    target.write = countingOwn(state, target.write, false);
    target.end = countingOwn(state, target.end, true);
  } else {
    target.write = countingWrite(state);
  }
}

/** Wraps a `write`/`end` something else already set on the response. */
function countingOwn(state: AccessState, previous: WriteMethod, isEnd: boolean): WriteMethod {
  return function countingOwnMethod(this: Response, chunk: unknown, encoding: unknown) {
    if (!(isEnd && typeof chunk === 'function')) state.bytes += chunkBytes(chunk, encoding);
    // biome-ignore lint/complexity/noArguments: forwards every argument (callback, encoding) unchanged
    return previous.apply(this, arguments as unknown as unknown[]);
  };
}

/**
 * Body bytes sent: none for HEAD, 1xx, 204 and 304 (Node sends no body, whatever the handler
 * wrote); a streamed body as counted; a body sent whole as its Content-Length: the header when
 * set, else the length Node computed for `end(body)` itself (`_contentLength`, which it sends as
 * Content-Length); none before `end()`.
 */
function bodyBytes(state: AccessState): number {
  const { req, res } = state;
  const status = res.statusCode;
  if (req.method === 'HEAD' || status < 200 || status === 204 || status === 304) return 0;
  if (state.streamed) return state.bytes;
  if (!res.writableEnded) return 0;
  const header = res.getHeader('content-length');
  const length = header === undefined ? (res as unknown as { _contentLength?: unknown })._contentLength : Number(header);
  return typeof length === 'number' && Number.isSafeInteger(length) && length >= 0 ? length : 0;
}

function writeAccessLine(
  state: AccessState,
  aborted: boolean,
  logger: winston.Logger,
  loggerName: string | undefined,
  levelOf: (status: number, aborted: boolean) => string,
  logUrl: boolean,
  projectOption: string | undefined,
): void {
  const { req, res } = state;
  const bytes = bodyBytes(state);
  const durationMs = Math.round((performance.now() - state.started) * 10) / 10;
  const status = res.statusCode;
  const method = clean(req.method, 16) ?? '-';
  const path = clean(routePathOf(req), 2048) ?? '/';
  const message = `${method} ${path} ${status} ${durationMs}ms${aborted ? ' (aborted)' : ''}`;
  const url = logUrl ? clean(redactUrl(req.originalUrl ?? req.url ?? ''), 4096) : undefined;
  const fields: AccessFields = { message, method, path, status, durationMs, bytes, ip: requestIp(req), userAgent: clean(req.headers['user-agent'], 512) };
  let level = levelOf(status, aborted);
  if (levelPriority(level) === undefined) level = 'info';
  const store = state.store ?? getLogContextStore();
  const { cloud, projectId: cloudProject } = getLoggingState();
  // The kit's default pipeline (root logger, kit JSON files only): the line is rendered here,
  // once, exactly as the root format and jsonFormat() would render this record.
  if (!cloud && store && logger === getRootLogger()) {
    const targets = plainJsonTargets(level);
    if (targets !== undefined) {
      const line = directAccessLine(state, store, level, loggerName, fields, aborted, logUrl, url);
      if (line !== undefined) {
        for (const target of targets) target.appendLine(line);
        return;
      }
    }
  }
  const record: Record<string | symbol, unknown> = fields as unknown as Record<string, unknown>;
  if (loggerName) record.logger = loggerName;
  if (aborted) record.aborted = true;
  if (logUrl) record.url = url;
  if (cloud) {
    const seconds = durationMs / 1000;
    record.httpRequest = {
      requestMethod: method,
      requestUrl: clean(redactUrl(req.originalUrl ?? req.url ?? ''), 4096),
      status,
      responseSize: String(bytes),
      userAgent: fields.userAgent,
      remoteIp: fields.ip,
      referer: clean(typeof req.headers.referer === 'string' ? redactUrl(req.headers.referer) : undefined, 2048),
      protocol: `HTTP/${req.httpVersion}`,
      latency: cloud.mode === 'api' ? { seconds: Math.floor(seconds), nanos: Math.round((seconds % 1) * 1e9) } : `${seconds}s`,
    };
  }
  // The request's trace fields in the record itself (they win over the format's at 'close').
  // Without requestContext() (no store), the Cloud fields still come from the trace headers.
  const trace = state.trace ?? (cloud && !store ? requestTraceFrom(req.headers) : undefined);
  if (trace) {
    traceLogFields(trace, record as Record<string, unknown>);
    if (cloud) cloudFieldsOfTrace(trace, projectOption ?? store?.traceProjectId ?? cloudProject, record as Record<string, unknown>);
  }
  record.level = level;
  record[LEVEL] = level;
  if (store && getLogContextStore() !== store) {
    runWithLogContext(store, () => logger.write(record as never));
  } else {
    logger.write(record as never);
  }
}


/** The fields of every access line, in the order the record has them. */
interface AccessFields {
  message: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  bytes: number;
  ip: string | undefined;
  userAgent: string | undefined;
}

/** Keys the direct line writes besides the record's own: they must not be redacted names. */
const DIRECT_KEYS = ['requestId', 'userId', 'actorUserId', 'apiKeyId', 'trace_id', 'span_id', 'trace_flags', 'parent_span_id', 'method', 'path', 'status', 'durationMs', 'bytes', 'ip', 'userAgent', 'aborted', 'url'];
let directKeysVersion = -1;
let directKeysPlain = false;

/** Whether no key of {@link DIRECT_KEYS} is a redacted name (kept until the redaction changes). */
function directKeysNotRedacted(): boolean {
  const version = redactionVersion();
  if (version !== directKeysVersion) {
    directKeysPlain = DIRECT_KEYS.every((key) => !isSensitiveKey(key));
    directKeysVersion = version;
  }
  return directKeysPlain;
}

/**
 * The JSON line the root format (`logRecordFormat`) and `jsonFormat()` would make of this access
 * record written inside `store`, built in one object with the same keys in the same order:
 * timestamp, level, severity, logger, message, then the context (requestId, the user fields,
 * the fields added with setLogContext(), the trace), then the record's fields; values of
 * redacted names censored, undefined values left out. Undefined when the record is one whose
 * line could differ in any way (an OpenTelemetry span active now, a trace other than the
 * store's, lazy fields other than the kit's, a context field the formats treat specially or
 * holding an Error, a redacted name among the fixed keys): the caller then writes the record
 * through the logger. test/logging/access-line.test.ts checks it line for line against that path.
 */
function directAccessLine(
  state: AccessState,
  store: LogContextStore,
  level: string,
  loggerName: string | undefined,
  fields: AccessFields,
  aborted: boolean,
  logUrl: boolean,
  url: string | undefined,
): string | undefined {
  if (state.trace !== store.trace || (store.lazyFields !== undefined && store.lazyFields !== requestUserFields)) return undefined;
  if (!directKeysNotRedacted() || activeSpanTrace() !== undefined) return undefined;
  const severity = severityOf(level);
  const out: Record<string, unknown> = { timestamp: isoTimestamp(), level: severity, severity };
  if (loggerName !== undefined) out.logger = loggerName;
  out.message = fields.message;
  out.requestId = store.requestId;
  if (store.lazyFields !== undefined) {
    try {
      store.lazyFields(out);
    } catch {
      // A throwing getter on the request must never break logging (as contextFieldsOf()).
    }
  }
  const added = store.fields;
  for (const key in added) {
    if (!Object.prototype.hasOwnProperty.call(added, key)) continue;
    const value = added[key];
    if (isRecordOwnKey(key) || value instanceof Error) return undefined;
    out[key] = value !== undefined && isSensitiveKey(key) ? redactionCensor() : value;
  }
  if (store.trace !== undefined) traceLogFields(store.trace, out);
  out.method = fields.method;
  out.path = fields.path;
  out.status = fields.status;
  out.durationMs = fields.durationMs;
  out.bytes = fields.bytes;
  out.ip = fields.ip;
  out.userAgent = fields.userAgent;
  if (aborted) out.aborted = true;
  if (logUrl) out.url = url;
  return safeJsonStringify(out, undefined, true);
}
