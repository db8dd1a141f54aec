/**
 * OpenTelemetry, when the app has it: `@opentelemetry/api` (an optional peer dependency) is
 * loaded lazily, with a synchronous `require` on first use, and only read. The API keeps its
 * registered tracer provider and context manager on one process-wide global, so the copy the
 * kit loads (CommonJS) sees what the app registered through its own (ESM or CommonJS) import.
 * Without the package, or without an SDK registered, every function here answers "no span".
 */
import { loadOptionalPeer } from '../config/optional-peer.js';
import type { RequestTrace } from './trace.js';

/** The part of `@opentelemetry/api` the kit reads. */
interface SpanContextLike {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
  traceState?: { serialize(): string };
}
interface OtelApiLike {
  trace: { getActiveSpan(): { spanContext(): SpanContextLike } | undefined };
  context: { active(): unknown };
  propagation: { inject(context: unknown, carrier: Record<string, string>): void };
}

let api: OtelApiLike | null | undefined;

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const INVALID_TRACE_ID = '00000000000000000000000000000000';
const INVALID_SPAN_ID = '0000000000000000';

/**
 * `@opentelemetry/api`, or undefined when it is not installed or cannot be loaded (logging
 * carries on without it; remembered: one resolution per process).
 */
export function otelApi(): OtelApiLike | undefined {
  if (api === undefined) {
    const peer = loadOptionalPeer('@opentelemetry/api');
    const loaded = peer.loaded ? (peer.module as Partial<OtelApiLike> | undefined) : undefined;
    api = loaded?.trace && loaded.context && loaded.propagation ? (loaded as OtelApiLike) : null;
  }
  return api ?? undefined;
}

/** Whether `@opentelemetry/api` could be loaded (diagnostics, tests). */
export function otelAvailable(): boolean {
  return otelApi() !== undefined;
}

/**
 * The active span's context as a {@link RequestTrace}, or undefined: no API, no SDK (the no-op
 * API has no active span), an invalid context, or a remote one (a propagated context without
 * a local span: its span id is the caller's, never ours). Never throws.
 */
export function activeSpanTrace(): RequestTrace | undefined {
  const otel = otelApi();
  if (!otel) return undefined;
  try {
    const span = otel.trace.getActiveSpan();
    if (!span) return undefined;
    const context = span.spanContext();
    if (!context || context.isRemote) return undefined;
    const { traceId, spanId } = context;
    if (!TRACE_ID.test(traceId) || !SPAN_ID.test(spanId) || traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) return undefined;
    const trace: RequestTrace = { traceId, spanId, flags: Number(context.traceFlags) & 0xff };
    const state = context.traceState?.serialize();
    if (state) trace.tracestate = state;
    return trace;
  } catch {
    return undefined;
  }
}

/**
 * The headers the app's registered OpenTelemetry propagator writes for the active context
 * (W3C `traceparent`, B3, baggage…), or an empty object (no API, or the no-op propagator).
 */
export function injectActiveContext(): Record<string, string> {
  const carrier: Record<string, string> = {};
  const otel = otelApi();
  if (!otel) return carrier;
  try {
    otel.propagation.inject(otel.context.active(), carrier);
  } catch {
    // a throwing propagator must not break an outbound call
  }
  return carrier;
}
