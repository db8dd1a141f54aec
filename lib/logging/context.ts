/**
 * The per-request log context on AsyncLocalStorage: every record written while a request is
 * handled gets its `requestId`, `userId` and the fields added with `setLogContext()`, with no
 * logger passed around. Core logic: no Express here (the middleware fills the store).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { emitKitWarning } from '../config/warnings.js';
import { activeSpanTrace } from './otel.js';
import { cloudFieldsOfTrace, traceLogFields, type RequestTrace } from './trace.js';

/** Fields attached to every record of the current context. */
export type LogContextFields = Record<string, unknown>;

/** The store of one context (one request). */
export interface LogContextStore {
  /** The request id (incoming `X-Request-Id` when valid, else generated). */
  requestId: string;
  /** Fields added with `setLogContext()` (and by the middleware). */
  fields: LogContextFields;
  /**
   * Adds fields read at log time to `into` (so an auth middleware that runs later is still
   * seen); undefined values are left out.
   */
  lazyFields?: (into: LogContextFields) => void;
  /**
   * The request's trace (set by `requestContext()`): the OpenTelemetry span active when the
   * request came in, else the trace of its `traceparent` with a span id of its own. A span
   * active when a line is written wins over it.
   */
  trace?: RequestTrace;
  /** Google Cloud project for the trace fields, instead of the cloud transport's. */
  traceProjectId?: string;
}

const storage = new AsyncLocalStorage<LogContextStore>();

/** Field names a context may not override (they belong to the record itself). */
const RESERVED = new Set(['level', 'message', 'timestamp', 'stack', 'logger', 'requestId', '__proto__', 'constructor', 'prototype']);
const MAX_FIELDS = 64;

/**
 * Runs `fn` inside a new log context (what `requestContext()` does per request; use it for jobs,
 * queue consumers and WebSocket messages).
 *
 * @example
 * ```ts
 * await runWithLogContext({ requestId: job.id, fields: { graphExecId } }, () => runGraph(job))
 * ```
 */
export function runWithLogContext<T>(store: LogContextStore, fn: () => T): T {
  return storage.run(store, fn);
}

/**
 * `fn` wrapped to run inside `store` wherever it is called from (event listeners fired by a
 * socket run outside the request's context otherwise). Cheaper than `AsyncResource.bind`: no
 * async resource is created, only this storage's store is restored.
 */
export function bindToLogContext<A extends unknown[], R>(store: LogContextStore, fn: (...args: A) => R): (...args: A) => R {
  return function boundToLogContext(this: unknown, ...args: A): R {
    return storage.getStore() === store ? fn.apply(this, args) : storage.run(store, () => fn.apply(this, args));
  };
}

/** The current context's store, or undefined outside any context. */
export function getLogContextStore(): LogContextStore | undefined {
  return storage.getStore();
}

/**
 * The fields every record written now would carry: `requestId`, `userId` (once auth ran), the
 * fields added with {@link setLogContext}, and the trace (`trace_id`, `span_id`, `trace_flags`,
 * `parent_span_id` without an SDK). Empty outside a request and a span.
 *
 * @example
 * ```ts
 * res.json({ error: 'failed', requestId: getLogContext().requestId })
 * ```
 */
export function getLogContext(): LogContextFields {
  const store = storage.getStore();
  return withTraceFields(store, store ? contextFieldsOf(store) : {});
}

// The project of the cloud transport when it is on (set by configureLogging()): Cloud Logging's
// trace fields are added only then.
let cloudTraceProject: string | undefined;
let cloudTraceOn = false;

/** Called by `configureLogging()`: whether the cloud transport is on, and its project id. */
export function setCloudTrace(on: boolean, projectId: string | undefined): void {
  cloudTraceOn = on;
  cloudTraceProject = projectId;
}

/** The trace a line written now belongs to: the active OpenTelemetry span, else the request's. */
export function currentTrace(store: LogContextStore | undefined): RequestTrace | undefined {
  return activeSpanTrace() ?? store?.trace;
}

/**
 * Adds the trace fields of a line written now to `fields`: `trace_id`, `span_id`,
 * `trace_flags` (and `parent_span_id` for a request traced without an SDK), plus Cloud
 * Logging's trace fields when the cloud transport is on. Returns `fields`.
 */
export function withTraceFields(store: LogContextStore | undefined, fields: LogContextFields, trace: RequestTrace | undefined = currentTrace(store)): LogContextFields {
  if (!trace) return fields;
  traceLogFields(trace, fields);
  if (cloudTraceOn) cloudFieldsOfTrace(trace, store?.traceProjectId ?? cloudTraceProject, fields);
  return fields;
}

/**
 * Adds fields to the current request's log context (e.g. `graphExecId`, `nodeExecId`). Returns
 * false (and changes nothing) outside a context. `undefined` removes a field. Reserved names
 * (`level`, `message`, `timestamp`, `logger`, `requestId`, `stack`) are ignored.
 *
 * @example
 * ```ts
 * setLogContext({ graphExecId: exec.id })
 * logger.info('graph started') // carries requestId, userId and graphExecId
 * ```
 */
export function setLogContext(fields: LogContextFields): boolean {
  const store = storage.getStore();
  if (!store || fields === null || typeof fields !== 'object') return false;
  for (const key of Object.keys(fields)) {
    if (RESERVED.has(key)) continue;
    const value = fields[key];
    if (value === undefined) {
      delete store.fields[key];
    } else if (key in store.fields || Object.keys(store.fields).length < MAX_FIELDS) {
      store.fields[key] = value;
    }
  }
  return true;
}

/** The flat fields of a store: requestId, lazy fields (user), then added fields. */
export function contextFieldsOf(store: LogContextStore): LogContextFields {
  const out: LogContextFields = { requestId: store.requestId };
  if (store.lazyFields) {
    try {
      store.lazyFields(out);
    } catch {
      // A throwing getter on the request must never break logging.
    }
  }
  for (const key of Object.keys(store.fields)) out[key] = store.fields[key];
  return out;
}

/** Where `requestContext()` keeps the request a store belongs to (read by {@link requestUserFields}). */
export const STORE_REQUEST: unique symbol = Symbol('express-platform-kit.storeRequest') as never;

/** A store `requestContext()` opened: its lazy fields are {@link requestUserFields} of its request. */
export type RequestLogContextStore = LogContextStore & { [STORE_REQUEST]: object };

/**
 * The lazy fields of a request's store (one shared function, called as `store.lazyFields(into)`:
 * no closure per request): `userId` (`req.userId`, else `req.user.id`), `actorUserId` (the
 * authenticated user when an admin acts as another) and `apiKeyId` (`req.apiKey.id`), each
 * written only when present, as strings of at most 128 characters. It writes no other key.
 */
export function requestUserFields(this: LogContextStore, into: LogContextFields): void {
  const holder = (this as RequestLogContextStore)[STORE_REQUEST] as { user?: { id?: unknown } | null; userId?: unknown; apiKey?: { id?: unknown } | null } | undefined;
  if (!holder) return;
  const user = holder.user;
  const authId = user && typeof user === 'object' ? user.id : undefined;
  const effective = holder.userId ?? authId;
  if (effective === undefined && !holder.apiKey) return;
  let userId: string | undefined;
  if (typeof effective === 'string' || typeof effective === 'number') into.userId = userId = String(effective).slice(0, 128);
  // An admin acting as another user (auth's X-Act-As-User-Id): keep who really acted.
  if ((typeof authId === 'string' || typeof authId === 'number') && String(authId) !== userId) into.actorUserId = String(authId).slice(0, 128);
  const apiKeyId = holder.apiKey && typeof holder.apiKey === 'object' ? holder.apiKey.id : undefined;
  if (typeof apiKeyId === 'string' || typeof apiKeyId === 'number') into.apiKeyId = String(apiKeyId).slice(0, 128);
}

/**
 * Where `requestContext()` keeps a request's store on the request object (one symbol, shared
 * with `accessLog()` and any kit middleware that needs the context).
 */
export const REQUEST_STORE: unique symbol = Symbol.for('express-platform-kit.logContext') as never;

/** A request as the kit's middlewares see it. */
export type WithRequestStore = object & { [REQUEST_STORE]?: LogContextStore };

/** The log context `requestContext()` opened for `req`, or undefined. */
export function requestStoreOf(req: object): LogContextStore | undefined {
  return (req as WithRequestStore)[REQUEST_STORE];
}

/**
 * For kit middlewares that rely on `requestContext()`: returns the request's store, and when
 * there is none warns once per `who` (WARN_REQUEST_CONTEXT_MISSING) that its lines will carry
 * no request id (emitKitWarning keeps it to once per process and `who`).
 *
 * @example
 * ```ts
 * const store = expectRequestContext(req, 'accessLog()')
 * ```
 */
export function expectRequestContext(req: object, who: string): LogContextStore | undefined {
  const store = (req as WithRequestStore)[REQUEST_STORE];
  if (!store) {
    emitKitWarning(
      'WARN_REQUEST_CONTEXT_MISSING',
      `${who} ran for a request that requestContext() did not open: its log lines carry no requestId or userId. Mount requestContext() first (app.use(requestContext(), ...)).`,
      who,
    );
  }
  return store;
}
