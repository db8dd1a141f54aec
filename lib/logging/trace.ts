/**
 * Trace context from W3C `traceparent` or Google's `X-Cloud-Trace-Context`, as the fields
 * Cloud Logging reads from a record: `logging.googleapis.com/trace` (needs the project id),
 * `logging.googleapis.com/spanId`, `logging.googleapis.com/trace_sampled`.
 */

export const TRACE_KEY = 'logging.googleapis.com/trace';
export const SPAN_ID_KEY = 'logging.googleapis.com/spanId';
export const TRACE_SAMPLED_KEY = 'logging.googleapis.com/trace_sampled';

export interface TraceContext {
  traceId: string;
  spanId?: string;
  sampled?: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const CLOUD_TRACE = /^([0-9a-fA-F]{32})(?:\/([0-9]{1,20}))?(?:;o=([01]))?$/;

/** Parses the trace headers (traceparent wins). Invalid values are ignored. */
export function parseTraceHeaders(traceparent: unknown, cloudTraceContext: unknown): TraceContext | undefined {
  if (typeof traceparent === 'string' && traceparent.length <= 128) {
    const match = TRACEPARENT.exec(traceparent.trim().toLowerCase());
    if (match && match[1] !== 'ff' && !/^0+$/.test(match[2]!) && !/^0+$/.test(match[3]!)) {
      return { traceId: match[2]!, spanId: match[3]!, sampled: (parseInt(match[4]!, 16) & 1) === 1 };
    }
  }
  if (typeof cloudTraceContext === 'string' && cloudTraceContext.length <= 128) {
    const match = CLOUD_TRACE.exec(cloudTraceContext.trim());
    if (match) {
      const context: TraceContext = { traceId: match[1]!.toLowerCase() };
      if (match[2]) {
        // X-Cloud-Trace-Context carries the span id in decimal; Cloud Logging wants 16 hex digits.
        const span = BigInt(match[2]);
        if (span > 0n && span < 2n ** 64n) context.spanId = span.toString(16).padStart(16, '0');
      }
      if (match[3] !== undefined) context.sampled = match[3] === '1';
      return context;
    }
  }
  return undefined;
}

/** The record fields Cloud Logging reads for a trace (empty without a project id). */
export function cloudTraceFields(context: TraceContext | undefined, projectId: string | undefined): Record<string, unknown> {
  if (!context || !projectId) return {};
  const fields: Record<string, unknown> = { [TRACE_KEY]: `projects/${projectId}/traces/${context.traceId}` };
  if (context.spanId) fields[SPAN_ID_KEY] = context.spanId;
  if (context.sampled !== undefined) fields[TRACE_SAMPLED_KEY] = context.sampled;
  return fields;
}
