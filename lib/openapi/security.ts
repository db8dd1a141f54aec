/**
 * From the `middleware` list of a route to what the document says about it: the security
 * requirement (AND of every middleware's alternatives) and the `x-platform-kit` operation
 * extension that {@link addAuthResponses} turns into 401/403/429/503 responses.
 */
import { getOpenApiMetadata, type MiddlewareOpenApiMetadata } from './metadata.js';

/** An OpenAPI security requirement object (`{ HTTPBearerJWT: [] }`). */
export type SecurityRequirement = Record<string, string[]>;

/** Rate-limit policy recorded on an operation. */
export interface RateLimitPolicy {
  limit: number;
  windowMs: number;
  algorithm?: string;
}

/**
 * The `x-platform-kit` extension written on each operation by `createApiRouter().route()`.
 * Kept in the document (it is a valid `x-` extension) so {@link addAuthResponses} can be
 * re-run at any time with the same result; strip it with `stripExtensions`.
 */
export interface PlatformKitOperationExtension {
  /** A middleware answers 401 (true) or explicitly never does (false, optional auth). */
  unauthorized?: boolean;
  /** A middleware answers 403: why. */
  forbidden?: string;
  /** Rate limits applied by the middleware list (429). */
  rateLimit?: RateLimitPolicy[];
  /** A middleware can answer 503: when. */
  serviceUnavailable?: string;
}

/** Name of the operation extension. */
export const PLATFORM_KIT_EXTENSION = 'x-platform-kit';

/** AND of two requirement lists: the cross product, scopes of the same scheme united. */
export function andSecurity(left: SecurityRequirement[], right: SecurityRequirement[]): SecurityRequirement[] {
  const combined: SecurityRequirement[] = [];
  const seen = new Set<string>();
  for (const a of left) {
    for (const b of right) {
      const merged: SecurityRequirement = {};
      for (const source of [a, b]) {
        for (const [scheme, scopes] of Object.entries(source)) {
          merged[scheme] = [...new Set([...(merged[scheme] ?? []), ...scopes])];
        }
      }
      const key = JSON.stringify(Object.entries(merged).sort(([x], [y]) => x.localeCompare(y)));
      if (!seen.has(key)) {
        seen.add(key);
        combined.push(merged);
      }
    }
  }
  return combined;
}

export interface DerivedOperationSecurity {
  /** undefined: no middleware said anything, the document's root security applies. */
  security?: SecurityRequirement[];
  extension: PlatformKitOperationExtension;
}

/**
 * Derives security and the extension from the middleware list, then merges the route's
 * explicit `security`: `[]` opts out (public), any other list is AND-ed with the derived one.
 */
export function deriveOperationSecurity(middleware: readonly unknown[], explicit?: SecurityRequirement[]): DerivedOperationSecurity {
  let security: SecurityRequirement[] | undefined;
  const extension: PlatformKitOperationExtension = {};
  const forbidden: string[] = [];
  const unavailable: string[] = [];
  for (const handler of middleware) {
    const meta: MiddlewareOpenApiMetadata | undefined = getOpenApiMetadata(handler);
    if (meta === undefined) continue;
    if (meta.security !== undefined && meta.security.length > 0) {
      security = security === undefined ? meta.security.map((r) => ({ ...r })) : andSecurity(security, meta.security);
    }
    if (meta.unauthorized !== undefined) extension.unauthorized = (extension.unauthorized ?? false) || meta.unauthorized;
    if (meta.forbidden !== undefined && !forbidden.includes(meta.forbidden)) forbidden.push(meta.forbidden);
    if (meta.rateLimit !== undefined) extension.rateLimit = [...(extension.rateLimit ?? []), { ...meta.rateLimit }];
    if (meta.serviceUnavailable !== undefined && !unavailable.includes(meta.serviceUnavailable)) unavailable.push(meta.serviceUnavailable);
  }
  if (forbidden.length > 0) extension.forbidden = forbidden.join(' ');
  if (unavailable.length > 0) extension.serviceUnavailable = unavailable.join(' ');
  if (explicit !== undefined) {
    if (explicit.length === 0) {
      security = [];
      delete extension.unauthorized;
    } else {
      security = security === undefined ? explicit.map((r) => ({ ...r })) : andSecurity(security, explicit);
    }
  }
  // Optional auth (an empty alternative) never rejects anonymous callers: no 401 unless a
  // middleware explicitly says it can still answer one (e.g. for a malformed token).
  if (security !== undefined && security.some((r) => Object.keys(r).length === 0) && extension.unauthorized === undefined) {
    extension.unauthorized = false;
  }
  return security === undefined ? { extension } : { security, extension };
}

/**
 * What middleware that runs before an operation (mounted on the app or the router) adds to
 * what the operation already says: its security is AND-ed in (it runs whatever the route
 * declares, so an operation marked public still needs it), and its 401/403/429/503 facts
 * are added, its rate limits first (they run first).
 */
export function mergeOuterMiddleware(outer: DerivedOperationSecurity, security: SecurityRequirement[] | undefined, extension: PlatformKitOperationExtension): DerivedOperationSecurity {
  const merged: PlatformKitOperationExtension = { ...extension };
  const { extension: add } = outer;
  if (add.unauthorized !== undefined) merged.unauthorized = (merged.unauthorized ?? false) || add.unauthorized;
  if (add.forbidden !== undefined) merged.forbidden = merged.forbidden === undefined ? add.forbidden : `${add.forbidden} ${merged.forbidden}`;
  if (add.rateLimit !== undefined) merged.rateLimit = [...add.rateLimit.map((policy) => ({ ...policy })), ...(merged.rateLimit ?? [])];
  if (add.serviceUnavailable !== undefined) merged.serviceUnavailable = merged.serviceUnavailable === undefined ? add.serviceUnavailable : `${add.serviceUnavailable} ${merged.serviceUnavailable}`;
  let combined = security;
  if (outer.security !== undefined && outer.security.length > 0) {
    combined = security === undefined || security.length === 0 ? outer.security.map((r) => ({ ...r })) : andSecurity(outer.security, security);
  }
  return combined === undefined ? { extension: merged } : { security: combined, extension: merged };
}
