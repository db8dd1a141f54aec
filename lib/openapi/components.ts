/**
 * The reusable error responses the kit documents. Each body is the `{"detail": ...}` JSON
 * rendered by `errorHandler()`; schemas are written in the subset shared by OpenAPI 3.0
 * and 3.1 (no type arrays), so the same objects are valid in both.
 */

export const RESPONSE_401 = 'HTTP401NotAuthenticatedError';
export const RESPONSE_403 = 'HTTP403ForbiddenError';
export const RESPONSE_429 = 'HTTP429TooManyRequestsError';
export const RESPONSE_503 = 'HTTP503ServiceUnavailableError';
export const RESPONSE_400 = 'HTTP400ValidationError';
export const RESPONSE_413 = 'HTTP413PayloadTooLargeError';

/** `#/components/responses/<name>`. */
export const responseRef = (name: string): { $ref: string } => ({ $ref: `#/components/responses/${name}` });

const detailString = {
  type: 'object',
  properties: { detail: { type: 'string' } },
  required: ['detail'],
};

const jsonContent = (schema: unknown) => ({ 'application/json': { schema } });

const integerHeader = (description: string) => ({ description, schema: { type: 'integer', minimum: 0 } });
const stringHeader = (description: string) => ({ description, schema: { type: 'string' } });

/** Component bodies by name; cloned on use so documents never share objects. */
const COMPONENTS: Record<string, () => Record<string, unknown>> = {
  [RESPONSE_401]: () => ({
    description: 'Authentication required',
    headers: { 'WWW-Authenticate': stringHeader('Authentication challenge (RFC 6750 for bearer tokens).') },
    content: jsonContent(detailString),
  }),
  [RESPONSE_403]: () => ({
    description: 'Forbidden: the caller is authenticated but not allowed to do this (e.g. admin only).',
    content: jsonContent(detailString),
  }),
  [RESPONSE_429]: () => ({
    description: 'Too many requests: the rate limit is exhausted; retry after `Retry-After` seconds.',
    headers: {
      // Always sent with the kit's 429 (the other headers can be switched off, so they stay optional).
      'Retry-After': { ...integerHeader('Seconds to wait before retrying.'), required: true },
      'X-RateLimit-Limit': integerHeader('Requests allowed per window.'),
      'X-RateLimit-Remaining': integerHeader('Requests left in the current window.'),
      'X-RateLimit-Reset': integerHeader('Unix time (seconds) when the window resets.'),
      RateLimit: stringHeader('IETF RateLimit header (limit, remaining, reset).'),
      'RateLimit-Policy': stringHeader('IETF RateLimit-Policy header (quota and window).'),
    },
    content: jsonContent({
      type: 'object',
      properties: {
        detail: {
          anyOf: [
            { type: 'string' },
            {
              type: 'object',
              properties: {
                error: { type: 'string' },
                message: { type: 'string' },
                limit: { type: 'integer' },
                remaining: { type: 'integer' },
                reset: { type: 'integer' },
              },
              // The limiter always sends all five: a typed client must not see them as optional.
              required: ['error', 'message', 'limit', 'remaining', 'reset'],
            },
          ],
        },
      },
      required: ['detail'],
    }),
  }),
  [RESPONSE_503]: () => ({
    description: 'Service unavailable: a backing store (e.g. Redis) cannot be reached.',
    content: jsonContent(detailString),
  }),
  [RESPONSE_413]: () => ({
    description: 'Payload too large: the JSON body exceeds the route limit.',
    content: jsonContent(detailString),
  }),
  [RESPONSE_400]: () => ({
    description: 'Invalid request: every problem found in params, query, headers and body is listed.',
    content: jsonContent({
      type: 'object',
      properties: {
        detail: {
          anyOf: [
            { type: 'string' },
            {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  location: { type: 'string', enum: ['params', 'query', 'headers', 'body'] },
                  path: { type: 'string' },
                  message: { type: 'string' },
                  code: { type: 'string' },
                },
                required: ['location', 'path', 'message', 'code'],
              },
            },
          ],
        },
      },
      required: ['detail'],
    }),
  }),
};

/** A fresh copy of a kit response component. */
export function kitResponseComponent(name: string): Record<string, unknown> {
  const build = COMPONENTS[name];
  if (build === undefined) throw new Error(`unknown kit response component ${name}`);
  return build();
}

/** Names of every kit response component. */
export const KIT_RESPONSE_COMPONENTS: readonly string[] = Object.keys(COMPONENTS);
