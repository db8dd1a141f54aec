/**
 * JSON for log records that never throws: circular references, BigInt, Errors, functions,
 * symbols, throwing getters and `toJSON` methods all become something readable, and values
 * under sensitive keys (authorization, cookie, token, password…) are replaced by
 * `[REDACTED]` at any depth.
 */
import { isSensitiveKey, redactionCensor } from './redact.js';

const MAX_DEPTH = 12;

/** An Error as plain JSON: type, message, stack, code and cause (no own secrets added). */
export function serializeError(error: Error, seen: WeakSet<object> = new WeakSet()): Record<string, unknown> {
  const out: Record<string, unknown> = { type: error.name, message: String(error.message) };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) out.code = toSafeValue(code, seen, 1);
  if (error.stack) out.stack = error.stack;
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined && !seen.has(error)) {
    seen.add(error);
    out.cause = toSafeValue(cause, seen, 1);
    seen.delete(error);
  }
  return out;
}

/**
 * A JSON-safe copy of any value. `ancestors` holds the objects on the current path, so a value
 * referenced twice (not circularly) is still written twice.
 */
export function toSafeValue(value: unknown, ancestors: WeakSet<object> = new WeakSet(), depth = 0): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'undefined':
      return undefined;
    case 'symbol':
      return value.toString();
    case 'function':
      return `[Function ${value.name || 'anonymous'}]`;
    default:
      break;
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.has(object)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Object]';
  try {
    if (object instanceof Error) return serializeError(object, ancestors);
    if (object instanceof Date) return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString();
    if (Buffer.isBuffer(object)) return `[Buffer ${object.length} bytes]`;
    ancestors.add(object);
    try {
      if (Array.isArray(object)) return object.map((item) => toSafeValue(item, ancestors, depth + 1) ?? null);
      if (object instanceof Map) return toSafeValue(Object.fromEntries(object), ancestors, depth + 1);
      if (object instanceof Set) return toSafeValue([...object], ancestors, depth + 1);
      const withToJson = object as { toJSON?: unknown };
      if (typeof withToJson.toJSON === 'function') {
        return toSafeValue((withToJson.toJSON as () => unknown).call(object), ancestors, depth + 1);
      }
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(object)) {
        if (isSensitiveKey(key)) {
          out[key] = redactionCensor();
          continue;
        }
        let item: unknown;
        try {
          item = (object as Record<string, unknown>)[key];
        } catch {
          item = '[Unreadable]';
        }
        const safe = toSafeValue(item, ancestors, depth + 1);
        if (safe !== undefined) out[key] = safe;
      }
      return out;
    } finally {
      ancestors.delete(object);
    }
  } catch {
    return '[Unserializable]';
  }
}

function isPrimitive(value: unknown): boolean {
  const type = typeof value;
  return value === null || type === 'string' || type === 'boolean' || (type === 'number' && Number.isFinite(value as number)) || type === 'undefined';
}

/**
 * Stringifies a flat record quickly when every value is a primitive (the access-log case),
 * and through {@link toSafeValue} otherwise (`keysRedacted`: top-level keys were already
 * checked). Never throws.
 */
export function safeJsonStringify(record: Record<string, unknown>, space?: number, keysRedacted = false): string {
  let flat = true;
  for (const key in record) {
    if (!isPrimitive(record[key]) || (!keysRedacted && isSensitiveKey(key))) {
      flat = false;
      break;
    }
  }
  try {
    return JSON.stringify(flat ? record : toSafeValue(record), null, space);
  } catch {
    return JSON.stringify({ message: '[Unserializable log record]' });
  }
}
