/**
 * body-parser's failures (from `express.json()` in the app, or the router's own parser) in the
 * kit's shapes: every unreadable body is a 400 `ERR_VALIDATION` listing one `body` issue, like
 * any other validation failure, and a body over the limit is a 413 `ERR_PAYLOAD_TOO_LARGE`.
 * body-parser marks its errors with a `type` (`entity.parse.failed`, `charset.unsupported`, …).
 */
import { HttpError } from './http-error.js';
import { validationError } from './validation-issue.js';

/** body-parser's client-caused failures: `type` → [issue code, readable message]. */
const CLIENT_FAILURES: Record<string, [string, string]> = {
  'entity.parse.failed': ['invalid_json', 'Malformed JSON body'],
  'entity.verify.failed': ['invalid_body', 'The request body failed verification'],
  'charset.unsupported': ['unsupported_charset', 'Unsupported charset in Content-Type (use utf-8)'],
  'encoding.unsupported': ['unsupported_encoding', 'Unsupported Content-Encoding'],
  'request.aborted': ['request_aborted', 'The request body was not received completely'],
  'request.size.invalid': ['invalid_content_length', 'The request body does not match its Content-Length'],
  'parameters.too.many': ['too_many_parameters', 'Too many parameters in the form body'],
};

/** Message of the 413 (also used by the router). */
export const PAYLOAD_TOO_LARGE_MESSAGE = 'Request body too large';

/**
 * The kit error for a body-parser failure, or `undefined` when `err` is not one (or is a
 * server-side one such as `stream.not.readable`, which stays a 500).
 */
export function fromBodyParserError(err: unknown): HttpError | undefined {
  if (err === null || typeof err !== 'object' || err instanceof HttpError) return undefined;
  const type = (err as { type?: unknown }).type;
  if (typeof type !== 'string') return undefined;
  if (type === 'entity.too.large') return new HttpError(413, PAYLOAD_TOO_LARGE_MESSAGE, { code: 'ERR_PAYLOAD_TOO_LARGE', cause: err });
  const failure = CLIENT_FAILURES[type];
  if (failure === undefined) return undefined;
  const [code, message] = failure;
  return validationError([{ location: 'body', path: '', message, code }], { cause: err });
}
