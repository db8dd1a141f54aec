/**
 * `express-platform-kit/auth`: JWT authentication for Express (HS/RS/PS/ES/EdDSA keys or a
 * JWKS URL), with the reference's settings, messages and admin impersonation.
 *
 * @example
 * ```ts
 * import { requireUser } from 'express-platform-kit/auth'
 * app.get('/me', requireUser(), (req, res) => res.json(req.user))
 * ```
 */

// Settings: the reference's env variables, one ConfigError for every bad one.
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
  type AuthContext,
} from './middleware.js';
// The user model.
export { User, userFromPayload, isAdmin, displayName, DEFAULT_USER_ROLE } from './user.js';
// The OpenAPI security scheme name (defined once, with the other scheme names).
export { BEARER_JWT_SCHEME } from '../openapi/metadata.js';
