/**
 * `propagationHeaders()`: the headers that carry the current request's trace and request id
 * to an outbound call, so the next service's lines join the same trace. Core logic: no Express.
 */
import { getLogContextStore } from './context.js';
import { activeSpanTrace, injectActiveContext } from './otel.js';
import { formatTraceparent } from './trace.js';

// Visible ASCII, inner spaces allowed: what fetch and http.request accept as a header value.
const HEADER_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]{0,254}[\x21-\x7e])?$/;

/** What {@link propagationHeaders} returns: plain header names (lower case) and values. */
export type PropagationHeaders = Record<string, string>;

/**
 * The headers for an outbound call made now: `traceparent` (this request's span as the parent
 * of the call), `tracestate` when there is one, and `x-request-id`, then `extra` (which wins on
 * a name they share). With an OpenTelemetry SDK and an active span, the app's registered
 * propagator writes the trace headers (B3, baggage… included); without one, the kit writes
 * W3C `traceparent` itself. Outside a request and a span: only `extra` (nothing is known).
 *
 * @example
 * ```ts
 * const response = await fetch('http://billing.internal/invoices', {
 *   headers: propagationHeaders({ 'content-type': 'application/json' }),
 * })
 * ```
 */
export function propagationHeaders(extra: Record<string, string | undefined> = {}): PropagationHeaders {
  const store = getLogContextStore();
  const span = activeSpanTrace();
  let headers: PropagationHeaders = {};
  if (span) {
    headers = injectActiveContext();
    if (headers.traceparent === undefined) {
      // The no-op propagator (an SDK registered without one): write W3C Trace Context ourselves.
      headers.traceparent = formatTraceparent(span);
      if (span.tracestate) headers.tracestate = span.tracestate;
    }
  } else if (store?.trace) {
    headers.traceparent = formatTraceparent(store.trace);
    if (store.trace.tracestate) headers.tracestate = store.trace.tracestate;
  }
  // A job's own id (runWithLogContext) may hold characters a header cannot carry: then none.
  if (store && HEADER_VALUE.test(store.requestId)) headers['x-request-id'] = store.requestId;
  for (const name of Object.keys(extra)) {
    const value = extra[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    // One spelling per header: `X-Request-Id` in extra replaces `x-request-id`.
    if (lower !== name) delete headers[lower];
    headers[name] = value;
  }
  return headers;
}
