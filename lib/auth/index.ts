/**
 * `express-platform-kit/auth`: JWT authentication for Express (HS/RS/PS/ES/EdDSA keys or a
 * JWKS URL), configured from `JWT_*` / `SUPABASE_*` variables, with fixed 401/403 messages
 * and admin impersonation.
 *
 * @example
 * ```ts
 * import { requireUser, userOf } from 'express-platform-kit/auth'
 * app.get('/me', requireUser(), (req, res) => res.json(userOf(req)))
 * ```
 */

// Settings: the JWT_* / SUPABASE_* env variables, one ConfigError for every bad one.
export {
  loadAuthSettings,
  JWT_ALGORITHMS,
  type AuthSettings,
  type AuthSettingsOverrides,
  type JwtAlgorithm,
} from './settings.js';
// The startup check apps call before listening.
export { verifyAuthSettings, MIN_HMAC_KEY_LENGTH } from './startup-check.js';
// One verifier for HTTP, WebSockets and jobs (and for injecting into tests).
export { createJwtVerifier, type JwtVerifier, type JwtVerifierOptions } from './verifier.js';
// The middlewares and what they put on the request.
export {
  requireUser,
  requireAdminUser,
  requireUserId,
  optionalUser,
  bearerTokenOf,
  IMPERSONATION_HEADER,
  type AuthMiddlewareOptions,
} from './middleware.js';
// Machine-to-machine tokens.
export { requireService, serviceOf, type RequireServiceOptions, type ServiceIdentity, type ServiceRequest } from './service.js';
export { isClientCredentialsToken } from './after-verification.js';
// Revocation: the Redis list whose isRevoked the middlewares take.
export { createRedisRevocationList, type RedisRevocationListOptions, type RevocationList } from './revocation.js';
// Where the token comes from (tokenFrom / getToken options).
export type { GetToken, TokenFrom } from './token-source.js';
// Scope and claim checks, mounted after an auth middleware (express-oauth2-jwt-bearer's names).
export { requiredScopes, scopeIncludesAny, claimEquals, claimIncludes, claimCheck, grantedScopes, type ClaimValue } from './claims.js';
// Typed access to what the middlewares set, without global declarations that collide with
// passport or express-oauth2-jwt-bearer.
export { authOf, userOf, type AuthContext, type AuthenticatedRequest } from './request-auth.js';
// The user model.
export { User, userFromPayload, isAdmin, displayName, DEFAULT_USER_ROLE } from './user.js';
// The OpenAPI security scheme name (defined once, with the other scheme names).
export { BEARER_JWT_SCHEME } from '../openapi/metadata.js';
