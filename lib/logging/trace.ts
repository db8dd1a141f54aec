/**
 * Trace context of a request, without any tracing SDK: W3C Trace Context `traceparent` /
 * `tracestate` (https://www.w3.org/TR/trace-context/ §3.2, §3.3) or Google's
 * `X-Cloud-Trace-Context`, the log fields that carry it (`trace_id`, `span_id`, `trace_flags`,
 * `parent_span_id`) and the fields Cloud Logging reads from a record
 * (`logging.googleapis.com/trace`, `…/spanId`, `…/trace_sampled`). Core logic: no Express here.
 */
import { randomFillSync } from 'node:crypto';

export const TRACE_KEY = 'logging.googleapis.com/trace';
export const SPAN_ID_KEY = 'logging.googleapis.com/spanId';
export const TRACE_SAMPLED_KEY = 'logging.googleapis.com/trace_sampled';

/** What a trace header says about the caller (its ids, not the ids of the request it sent). */
export interface TraceContext {
  traceId: string;
  /** The caller's span id (the `parent-id` of `traceparent`): the parent of this request's span. */
  spanId?: string;
  sampled?: boolean;
}

/** A parsed `traceparent` header. */
export interface TraceParent {
  /** Two lower-case hex digits; `00` today, a higher one from a newer sender. */
  version: string;
  /** 32 lower-case hex digits, not all zero. */
  traceId: string;
  /** The caller's span id: 16 lower-case hex digits, not all zero. */
  parentId: string;
  /** The trace-flags byte (bit 0: sampled). For a version above `00` only the sampled bit is kept. */
  flags: number;
}

/**
 * The trace of one request as the kit logs and propagates it: the trace id it joined (or
 * started), the request's own span id, the caller's span id when there was one.
 */
export interface RequestTrace {
  traceId: string;
  /** This request's span id: the caller's `parent-id` is never reused as our own id. */
  spanId: string;
  /** The trace-flags byte (bit 0: sampled). */
  flags: number;
  /** The caller's span id (the incoming `parent-id`), logged as `parent_span_id`. */
  parentSpanId?: string;
  /** The incoming `tracestate`, normalised, passed along unchanged. */
  tracestate?: string;
}

const HEX_LC = /^[0-9a-f]+$/;
const ALL_ZERO = /^0+$/;
// OWS around a field value (RFC 9110 §5.6.3): Node strips it already, other callers may not.
const OWS = /^[ \t]+|[ \t]+$/g;

function lowerHex(text: string, length: number): boolean {
  return text.length === length && HEX_LC.test(text);
}

/**
 * Parses a `traceparent` header as W3C Trace Context §3.2 says: lower-case hex only; version
 * `ff` invalid; version `00` exactly `00-<trace-id>-<parent-id>-<flags>`; a higher version is
 * accepted by reading those four fields (anything after them must start with `-`); an all-zero
 * trace-id or parent-id is invalid. Returns undefined for anything invalid; never throws.
 *
 * @example
 * ```ts
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
 * // { version: '00', traceId: '4bf9…4736', parentId: '00f067aa0ba902b7', flags: 1 }
 * ```
 */
export function parseTraceparent(value: unknown): TraceParent | undefined {
  if (typeof value !== 'string') return undefined;
  const header = value.length > 0 && (value.charCodeAt(0) <= 32 || value.charCodeAt(value.length - 1) <= 32) ? value.replace(OWS, '') : value;
  if (header.length < 55 || header[2] !== '-' || header[35] !== '-' || header[52] !== '-') return undefined;
  const version = header.slice(0, 2);
  if (!lowerHex(version, 2) || version === 'ff') return undefined;
  if (version === '00' ? header.length !== 55 : header.length > 55 && header[55] !== '-') return undefined;
  const traceId = header.slice(3, 35);
  const parentId = header.slice(36, 52);
  const flagsText = header.slice(53, 55);
  if (!lowerHex(traceId, 32) || !lowerHex(parentId, 16) || !lowerHex(flagsText, 2)) return undefined;
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(parentId)) return undefined;
  const byte = Number.parseInt(flagsText, 16);
  // A newer version may give the other bits another meaning: only the sampled bit is known (§3.2.4).
  return { version, traceId, parentId, flags: version === '00' ? byte : byte & 0x01 };
}

// tracestate list-members (§3.3.1): key = simple-key / tenant@system; value = up to 256
// printable ASCII characters except `,` and `=`, not ending with a space.
const TRACESTATE_MEMBER = /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
const MAX_TRACESTATE_MEMBERS = 32;
const MAX_TRACESTATE_LENGTH = 8192;

/**
 * Normalises a `tracestate` header (§3.3): list-members separated by commas (several header
 * lines joined the same way), empty members dropped, at most 32, unique keys. Returns undefined
 * when it is absent or invalid (a `tracestate` the kit cannot parse is not passed along).
 */
export function parseTracestate(value: unknown): string | undefined {
  const text = Array.isArray(value) ? value.join(',') : value;
  if (typeof text !== 'string' || text.length > MAX_TRACESTATE_LENGTH) return undefined;
  const members: string[] = [];
  const keys = new Set<string>();
  for (const raw of text.split(',')) {
    const member = raw.replace(OWS, '');
    if (member === '') continue;
    if (!TRACESTATE_MEMBER.test(member)) return undefined;
    const key = member.slice(0, member.indexOf('='));
    if (keys.has(key)) return undefined;
    keys.add(key);
    members.push(member);
  }
  if (members.length === 0 || members.length > MAX_TRACESTATE_MEMBERS) return undefined;
  return members.join(',');
}

const CLOUD_TRACE = /^([0-9a-fA-F]{32})(?:\/([0-9]{1,20}))?(?:;o=([01]))?$/;

/** `X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=SAMPLED` (span id in decimal). */
function parseCloudTraceContext(value: unknown): TraceContext | undefined {
  if (typeof value !== 'string' || value.length > 128) return undefined;
  const match = CLOUD_TRACE.exec(value.trim());
  if (!match || ALL_ZERO.test(match[1]!)) return undefined;
  const context: TraceContext = { traceId: match[1]!.toLowerCase() };
  if (match[2]) {
    // X-Cloud-Trace-Context carries the span id in decimal; Cloud Logging wants 16 hex digits.
    const span = BigInt(match[2]);
    if (span > 0n && span < 2n ** 64n) context.spanId = span.toString(16).padStart(16, '0');
  }
  if (match[3] !== undefined) context.sampled = match[3] === '1';
  return context;
}

/**
 * Parses the trace headers of a request (a valid `traceparent` wins over
 * `X-Cloud-Trace-Context`); invalid values are ignored. `spanId` is the caller's span id.
 */
export function parseTraceHeaders(traceparent: unknown, cloudTraceContext: unknown): TraceContext | undefined {
  const parsed = parseTraceparent(traceparent);
  if (parsed) return { traceId: parsed.traceId, spanId: parsed.parentId, sampled: (parsed.flags & 1) === 1 };
  return parseCloudTraceContext(cloudTraceContext);
}

// Random ids from a pooled buffer: one randomFillSync per 32 ids instead of one call per id.
const POOL = Buffer.alloc(768);
let poolOffset = POOL.length;

function randomHex(bytes: number): string {
  for (;;) {
    if (poolOffset + bytes > POOL.length) {
      randomFillSync(POOL);
      poolOffset = 0;
    }
    const id = POOL.toString('hex', poolOffset, poolOffset + bytes);
    poolOffset += bytes;
    if (!ALL_ZERO.test(id)) return id; // all-zero ids are invalid (§3.2.2.3, §3.2.2.4)
  }
}

/** A new random 8-byte span id (16 lower-case hex digits, never all zero). */
export function newSpanId(): string {
  return randomHex(8);
}

/** A new random 16-byte trace id (32 lower-case hex digits, never all zero). */
export function newTraceId(): string {
  return randomHex(16);
}

/** The incoming trace headers of a request (Node's lower-case header names). */
export interface TraceHeaders {
  [name: string]: unknown;
  traceparent?: unknown;
  tracestate?: unknown;
  'x-cloud-trace-context'?: unknown;
}

/**
 * The trace of a request handled without a tracing SDK: it joins the caller's trace (a valid
 * `traceparent`, else `X-Cloud-Trace-Context`) with a NEW span id of its own, the caller's id
 * becoming `parentSpanId`; without a valid header it starts a new trace (not sampled: no SDK
 * records it). `tracestate` is kept only with a valid `traceparent` (§3.3). Never throws.
 */
export function requestTraceFrom(headers: TraceHeaders): RequestTrace {
  const parent = parseTraceparent(headers.traceparent);
  if (parent) {
    const trace: RequestTrace = { traceId: parent.traceId, spanId: newSpanId(), flags: parent.flags, parentSpanId: parent.parentId };
    const state = parseTracestate(headers.tracestate);
    if (state !== undefined) trace.tracestate = state;
    return trace;
  }
  const cloud = parseCloudTraceContext(headers['x-cloud-trace-context']);
  if (cloud) {
    const trace: RequestTrace = { traceId: cloud.traceId, spanId: newSpanId(), flags: cloud.sampled ? 1 : 0 };
    if (cloud.spanId) trace.parentSpanId = cloud.spanId;
    return trace;
  }
  return { traceId: newTraceId(), spanId: newSpanId(), flags: 0 };
}

/** Two lower-case hex digits of a trace-flags byte. */
export function flagsHex(flags: number): string {
  return (flags & 0xff).toString(16).padStart(2, '0');
}

/** The version-00 `traceparent` that makes `trace.spanId` the parent of an outbound call. */
export function formatTraceparent(trace: Pick<RequestTrace, 'traceId' | 'spanId' | 'flags'>): string {
  return `00-${trace.traceId}-${trace.spanId}-${flagsHex(trace.flags)}`;
}

/** The fields every record written in `trace` carries: `trace_id`, `span_id`, `trace_flags`, `parent_span_id`. */
export function traceLogFields(trace: RequestTrace, into: Record<string, unknown> = {}): Record<string, unknown> {
  into.trace_id = trace.traceId;
  into.span_id = trace.spanId;
  into.trace_flags = flagsHex(trace.flags);
  if (trace.parentSpanId !== undefined) into.parent_span_id = trace.parentSpanId;
  return into;
}

/** The record fields Cloud Logging reads for a trace (empty without a project id). */
export function cloudTraceFields(context: TraceContext | undefined, projectId: string | undefined): Record<string, unknown> {
  if (!context || !projectId) return {};
  const fields: Record<string, unknown> = { [TRACE_KEY]: `projects/${projectId}/traces/${context.traceId}` };
  if (context.spanId) fields[SPAN_ID_KEY] = context.spanId;
  if (context.sampled !== undefined) fields[TRACE_SAMPLED_KEY] = context.sampled;
  return fields;
}

/** {@link cloudTraceFields} of a request's trace: its own span id, its sampled bit. */
export function cloudFieldsOfTrace(trace: RequestTrace, projectId: string | undefined, into: Record<string, unknown>): void {
  if (!projectId) return;
  into[TRACE_KEY] = `projects/${projectId}/traces/${trace.traceId}`;
  into[SPAN_ID_KEY] = trace.spanId;
  into[TRACE_SAMPLED_KEY] = (trace.flags & 1) === 1;
}
