/**
 * addAuthResponses: makes the document tell the truth about the middlewares. Pure document
 * transformation (no Express, no zod): safe to run on any OpenAPI 3.x document, any number
 * of times.
 */
import {
  KIT_RESPONSE_COMPONENTS,
  RESPONSE_401,
  RESPONSE_403,
  RESPONSE_429,
  RESPONSE_503,
  kitResponseComponent,
  responseRef,
} from './components.js';
import { API_KEY_SCHEME, BEARER_JWT_SCHEME, SESSION_COOKIE_SCHEME } from './metadata.js';
import { PLATFORM_KIT_EXTENSION, type PlatformKitOperationExtension, type SecurityRequirement } from './security.js';
import { OPERATION_METHODS, type OpenApiDocument, type OpenApiOperation } from './types.js';

/** Options of {@link addAuthResponses}. */
export interface AddAuthResponsesOptions {
  /**
   * Security scheme names that authenticate the caller (a request without them gets 401).
   * Default: every scheme in `components.securitySchemes` (http, apiKey, oauth2,
   * openIdConnect, mutualTLS) plus the kit's `HTTPBearerJWT`, `APIKeyHeader`, `SessionCookie`.
   */
  authSchemes?: string[];
}

const AUTH_SCHEME_TYPES = new Set(['http', 'apiKey', 'oauth2', 'openIdConnect', 'mutualTLS']);

function authSchemeNames(document: OpenApiDocument, options: AddAuthResponsesOptions): Set<string> {
  if (options.authSchemes !== undefined) return new Set(options.authSchemes);
  const names = new Set([BEARER_JWT_SCHEME, API_KEY_SCHEME, SESSION_COOKIE_SCHEME]);
  const schemes = document.components?.securitySchemes ?? {};
  for (const [name, scheme] of Object.entries(schemes)) {
    const type = (scheme as { type?: unknown; $ref?: unknown } | null)?.type;
    if (typeof type === 'string' && AUTH_SCHEME_TYPES.has(type)) names.add(name);
    else if (typeof (scheme as { $ref?: unknown } | null)?.$ref === 'string') names.add(name);
  }
  return names;
}

function extensionOf(operation: OpenApiOperation): PlatformKitOperationExtension {
  const value = operation[PLATFORM_KIT_EXTENSION];
  return value !== null && typeof value === 'object' ? (value as PlatformKitOperationExtension) : {};
}

/**
 * 401 is documented when the effective security (own, else root) requires credentials of an
 * authentication scheme: it is non-empty, has no anonymous `{}` alternative, and names one.
 * `security: []` opts out. A middleware's explicit `unauthorized` flag wins when present,
 * except that an explicit `security: []` always means public.
 */
function needs401(operation: OpenApiOperation, rootSecurity: SecurityRequirement[] | undefined, schemes: Set<string>): boolean {
  const effective = Array.isArray(operation.security) ? operation.security : rootSecurity;
  if (effective === undefined || effective.length === 0) return false;
  const flag = extensionOf(operation).unauthorized;
  if (typeof flag === 'boolean') return flag;
  if (effective.some((requirement) => Object.keys(requirement ?? {}).length === 0)) return false;
  return effective.some((requirement) => Object.keys(requirement).some((name) => schemes.has(name)));
}

function addResponse(operation: OpenApiOperation, status: string, component: string): void {
  operation.responses ??= {};
  if (!(status in operation.responses)) operation.responses[status] = responseRef(component);
}

/** Every `#/components/responses/<kit name>` referenced anywhere in an operation. */
function collectKitRefs(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectKitRefs(item, into);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value)) {
    if (key === '$ref' && typeof inner === 'string' && inner.startsWith('#/components/responses/')) {
      const name = inner.slice('#/components/responses/'.length);
      if (KIT_RESPONSE_COMPONENTS.includes(name)) into.add(name);
    } else {
      collectKitRefs(inner, into);
    }
  }
}

/**
 * Adds the responses that the security and middleware of each operation imply, and the
 * components they reference:
 * - 401 `$ref: '#/components/responses/HTTP401NotAuthenticatedError'` when the operation's
 *   effective security (its own, or the root `security`; `security: []` opts out) names an
 *   authentication scheme (bearer, API key, cookie…);
 * - 403 for operations whose middleware is admin-only (`x-platform-kit.forbidden`);
 * - 429 with `Retry-After`, `X-RateLimit-*` and `RateLimit` headers for rate-limited ones;
 * - 503 for middlewares that fail closed when their store is down.
 * Responses the author wrote are kept, components already defined are kept, and running it
 * twice gives a deep-equal document. Mutates and returns `document`.
 *
 * @example
 * ```ts
 * const doc = addAuthResponses(JSON.parse(fs.readFileSync('openapi.json', 'utf8')))
 * ```
 */
export function addAuthResponses<D extends OpenApiDocument>(document: D, options: AddAuthResponsesOptions = {}): D {
  const schemes = authSchemeNames(document, options);
  const used = new Set<string>();
  const rootSecurity = Array.isArray(document.security) ? document.security : undefined;
  for (const pathItem of Object.values(document.paths ?? {})) {
    if (pathItem === null || typeof pathItem !== 'object') continue;
    for (const method of OPERATION_METHODS) {
      const operation = pathItem[method] as OpenApiOperation | undefined;
      if (operation === null || typeof operation !== 'object') continue;
      const extension = extensionOf(operation);
      if (needs401(operation, rootSecurity, schemes)) addResponse(operation, '401', RESPONSE_401);
      if (typeof extension.forbidden === 'string') addResponse(operation, '403', RESPONSE_403);
      if (Array.isArray(extension.rateLimit) && extension.rateLimit.length > 0) addResponse(operation, '429', RESPONSE_429);
      if (typeof extension.serviceUnavailable === 'string') addResponse(operation, '503', RESPONSE_503);
      collectKitRefs(operation.responses, used);
    }
  }
  if (used.size > 0) {
    document.components ??= {};
    document.components.responses ??= {};
    const responses = document.components.responses;
    for (const name of [...used].sort()) {
      if (!(name in responses)) responses[name] = kitResponseComponent(name);
    }
  }
  return document;
}
