/**
 * `requestContext()`: the Express middleware that opens the per-request log context. Everything
 * it sets lives on the request object itself (no prototype of Express or Node is changed).
 */
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { parseOptions } from '../config/settings.js';
import { settleShape } from '../http/object-shape.js';
import { bindToLogContext, REQUEST_STORE, requestStoreOf, requestUserFields, runWithLogContext, STORE_REQUEST, type RequestLogContextStore, type WithRequestStore } from './context.js';
import { activeSpanTrace } from './otel.js';
import { requestTraceFrom } from './trace.js';

declare global {
  namespace Express {
    interface Request {
      /** The request id set by `requestContext()` (also echoed in the `X-Request-Id` response header). */
      requestId?: string;
    }
  }
}

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
  /**
   * Trace every request: the active OpenTelemetry span, else the incoming `traceparent` (or
   * `X-Cloud-Trace-Context`) with a new span id, else a new trace; its ids go on every line.
   * Default true.
   */
  trace?: boolean;
}

const contextSchema = z
  .object({
    header: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a header name').optional(),
    trustIncoming: z.boolean().optional(),
    generate: z.custom<() => string>((value) => typeof value === 'function', { message: 'must be a function' }).optional(),
    echo: z.boolean().optional(),
    projectId: z.string().min(1).optional(),
    trace: z.boolean().optional(),
  })
  .strict();

type Listener = (...args: unknown[]) => void;
type ListenerMethod = (this: EventEmitter, event: string | symbol, listener: Listener) => EventEmitter;

/** `listener` wrapped to run in the request's context (or as is outside one). */
function boundListener(emitter: EventEmitter, listener: Listener): Listener {
  const store = requestStoreOf(emitter);
  if (!store || typeof listener !== 'function') return listener;
  const bound = bindToLogContext(store, listener) as Listener & { listener?: unknown };
  // EventEmitter#removeListener matches `.listener`, so removing the original still works.
  bound.listener = listener;
  return bound;
}

// One shared function per method (no closure per request): it calls the method the request
// inherits, which is what `req.on` was before requestContext() set its own property.
function contextOn(this: EventEmitter, event: string | symbol, listener: Listener): EventEmitter {
  return (Object.getPrototypeOf(this).on as ListenerMethod).call(this, event, boundListener(this, listener));
}
function contextAddListener(this: EventEmitter, event: string | symbol, listener: Listener): EventEmitter {
  return (Object.getPrototypeOf(this).addListener as ListenerMethod).call(this, event, boundListener(this, listener));
}

/**
 * Whether a body may still arrive (RFC 9112 §6.3: Transfer-Encoding, or a Content-Length above
 * 0). Only then can a listener be called from a later packet, outside the request's context; a
 * request without a body keeps its object untouched (each own property added to a request
 * object costs measurable CPU on every later access Express and Node make to it).
 */
function hasBody(req: Request): boolean {
  const headers = req.headers;
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}

/**
 * Listeners added to a request run in its context, even when the event comes from the socket:
 * callback-style body readers ('data'/'end' listeners) would otherwise run outside the request's
 * AsyncLocalStorage context when the body arrives in later packets. `on` and `addListener` are
 * set on this request object only (nothing process-wide: no prototype is touched); `once` goes
 * through `this.on`, so its wrapper is bound too and still removes itself. When something
 * already set its own `on` on the request, that one is wrapped instead.
 */
function bindRequestListeners(req: Request): void {
  const target = req as unknown as { on: ListenerMethod; addListener: ListenerMethod };
  // Named stores: a keyed store on Node's request object is slow and megamorphic.
  target.on = Object.prototype.hasOwnProperty.call(req, 'on') ? contextListener(target.on) : contextOn;
  target.addListener = Object.prototype.hasOwnProperty.call(req, 'addListener') ? contextListener(target.addListener) : contextAddListener;
}

/** Wraps an `on`/`addListener` something else already set on the request. */
function contextListener(previous: ListenerMethod): ListenerMethod {
  return function contextListenerMethod(this: EventEmitter, event: string | symbol, listener: Listener) {
    return previous.call(this, event, boundListener(this, listener));
  };
}

/**
 * Opens a log context per request: `requestId` (a valid incoming `X-Request-Id`, else a new
 * UUID; echoed in the response), `userId` once an auth middleware set `req.user` /
 * `req.userId` (read when each line is written, so middleware order does not matter), the
 * trace of the request (`trace_id`, `span_id`, `trace_flags`: the active OpenTelemetry span,
 * else the W3C `traceparent` with a new span id of its own and the caller's as
 * `parent_span_id`), and whatever `setLogContext()` adds.
 *
 * @example
 * ```ts
 * app.use(requestContext())
 * app.get('/x', (req, res) => { getLogger('x').info('hello'); res.send('ok') }) // line carries requestId
 * ```
 */
export function requestContext(options: RequestContextOptions = {}): RequestHandler {
  const parsed = parseOptions(contextSchema, options, 'requestContext() options');
  const header = parsed.header ?? 'X-Request-Id';
  const headerKey = header.toLowerCase();
  const trustIncoming = parsed.trustIncoming ?? true;
  const generate = parsed.generate;
  const echo = parsed.echo ?? true;
  const traceRequests = parsed.trace ?? true;
  return function requestContextMiddleware(req: Request, res: Response, next: NextFunction): void {
    // Mounted twice (app and router): the first context stays.
    if (requestStoreOf(req)) return next();
    const incoming = req.headers[headerKey];
    let requestId: string;
    if (trustIncoming && typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming)) {
      requestId = incoming;
    } else if (!generate) {
      requestId = randomUUID();
    } else {
      try {
        requestId = String(generate());
        if (!REQUEST_ID_PATTERN.test(requestId)) requestId = randomUUID();
      } catch {
        requestId = randomUUID();
      }
    }
    // The user fields are read when each line is written (requestUserFields: one shared function).
    const store: RequestLogContextStore = { requestId, fields: {}, lazyFields: requestUserFields, trace: undefined, [STORE_REQUEST]: req };
    // The server span an OpenTelemetry SDK opened for this request, else the trace headers with
    // a span id of our own (the caller's parent-id becomes parent_span_id).
    if (traceRequests) store.trace = activeSpanTrace() ?? requestTraceFrom(req.headers);
    if (parsed.projectId !== undefined) store.traceProjectId = parsed.projectId;
    // The first kit middleware of a request: both objects leave V8's per-object hidden classes (lib/http/object-shape.ts).
    settleShape(req);
    settleShape(res);
    (req as WithRequestStore)[REQUEST_STORE] = store;
    req.requestId = requestId;
    if (echo && !res.headersSent) res.setHeader(header, requestId);
    if (hasBody(req)) bindRequestListeners(req);
    runWithLogContext(store, next);
  };
}

