/**
 * The contract between the kit's middlewares and the OpenAPI generator: auth and rate-limit
 * factories attach this metadata to the handler they return, and `createApiRouter().route()`
 * reads it from the `middleware` list, so `security`, 401, 403 and 429 are derived from the
 * code that really runs, never repeated by hand.
 *
 * Deliberately dependency-free (no zod-to-openapi import): attaching metadata costs nothing
 * for apps that never generate a document.
 */

/** Security scheme name of the JWT bearer middlewares (the name FastAPI services document too). */
export const BEARER_JWT_SCHEME = 'HTTPBearerJWT';
/** Security scheme name of `requireApiKey()` (header `X-API-Key`). */
export const API_KEY_SCHEME = 'APIKeyHeader';
/** Security scheme name of `requireSession()` (cookie). */
export const SESSION_COOKIE_SCHEME = 'SessionCookie';

/** Symbol under which the metadata lives on a middleware function (shared across copies of the kit). */
export const OPENAPI_METADATA = Symbol.for('express-platform-kit.openapi');

/** What a middleware tells the document about itself. */
export interface MiddlewareOpenApiMetadata {
  /**
   * OpenAPI security requirement alternatives this middleware enforces, e.g.
   * `[{ HTTPBearerJWT: [] }]`. Include `{}` as an alternative for optional auth (no 401).
   */
  security?: Record<string, string[]>[];
  /** The middleware can answer 401 (set by the auth middlewares that require credentials). */
  unauthorized?: boolean;
  /** The middleware can answer 403 with this description (e.g. admin-only routes). */
  forbidden?: string;
  /** The middleware can answer 429: the policy it enforces. */
  rateLimit?: { limit: number; windowMs: number; algorithm?: string };
  /** The middleware can answer 503 (e.g. a rate limiter in `onStoreError: 'closed'` mode). */
  serviceUnavailable?: string;
  /**
   * Paths the middleware passes through untouched (a rate limiter's exempt paths): when it is
   * mounted for a whole app or router, operations on these paths do not get its responses.
   * A string matches the path and what is below it (`'/static/'`: the prefix); a RegExp is tested.
   */
  exemptPaths?: readonly (string | RegExp)[];
}

/** True when `path` is one of the middleware's exempt paths. */
export function isExemptPath(metadata: MiddlewareOpenApiMetadata, path: string): boolean {
  for (const entry of metadata.exemptPaths ?? []) {
    if (typeof entry !== 'string') {
      if (entry.test(path)) return true;
    } else if (entry.endsWith('/') ? path.startsWith(entry) : path === entry || path.startsWith(`${entry}/`)) {
      return true;
    }
  }
  return false;
}

/** The middlewares of an app or router that act on `path` (the others exempt it). */
export function middlewareActingOn<T>(middleware: readonly T[], path: string): T[] {
  return middleware.filter((handler) => {
    const metadata = getOpenApiMetadata(handler);
    return metadata === undefined || !isExemptPath(metadata, path);
  });
}

/** Attaches OpenAPI metadata to a middleware and returns the same function. */
export function withOpenApiMetadata<T extends object>(middleware: T, metadata: MiddlewareOpenApiMetadata): T {
  Object.defineProperty(middleware, OPENAPI_METADATA, { value: metadata, enumerable: false, configurable: true });
  return middleware;
}

/** Reads the OpenAPI metadata of a middleware, if it carries any. */
export function getOpenApiMetadata(middleware: unknown): MiddlewareOpenApiMetadata | undefined {
  if ((typeof middleware !== 'function' && typeof middleware !== 'object') || middleware === null) return undefined;
  return (middleware as Record<symbol, MiddlewareOpenApiMetadata | undefined>)[OPENAPI_METADATA];
}
