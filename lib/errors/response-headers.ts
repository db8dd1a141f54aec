/**
 * Which `err.headers` entries `errorHandler()` may send. Errors from SDKs often carry the
 * headers of an upstream response: copying its `Content-Type` would serve our JSON body (which
 * can echo client input) as `text/html` — a reflected XSS — and copying `Content-Length`,
 * `Transfer-Encoding` or `Content-Encoding` would frame the body wrongly. The handler writes its
 * own content headers; hop-by-hop (RFC 9110 §7.6.1) and entity headers are dropped, and so is
 * `Set-Cookie` (an upstream's cookies are not ours to hand out).
 */
import type { Response } from 'express';

const DROPPED = new Set([
  // hop-by-hop
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // describe a body other than ours
  'content-type',
  'content-length',
  'content-encoding',
  'content-range',
  'content-language',
  'content-location',
  'content-md5',
  'content-disposition',
  'content-security-policy',
  'etag',
  'last-modified',
  'x-content-type-options',
  // not ours to forward
  'set-cookie',
]);

/** True when errorHandler may copy a header of this name from an error. */
export function isForwardableErrorHeader(name: string): boolean {
  return !DROPPED.has(name.toLowerCase());
}

/**
 * Copies the forwardable entries of `headers` onto `res`. A value Node refuses (control
 * characters, a bad name) is skipped rather than turning the error response into a crash.
 */
export function copyErrorHeaders(res: Response, headers: unknown): void {
  if (headers === null || typeof headers !== 'object') return;
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (!isForwardableErrorHeader(name)) continue;
    const text = typeof value === 'string' || typeof value === 'number' ? String(value) : Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
    if (text === undefined) continue;
    try {
      res.setHeader(name, text);
    } catch {
      // invalid header name or value: skip it
    }
  }
}
