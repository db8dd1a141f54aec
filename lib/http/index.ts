/**
 * Express glue shared by the feature modules (internal: not a subpath export). Sits above
 * errors/config and below auth, rate-limit, session and api-key.
 */
export { asyncMiddleware, type MiddlewareBody } from './async-middleware.js';
export { trustProxyCheck } from './trust-proxy.js';
export { authorizationCredentials, bearerToken, headerText } from './credentials.js';
export { apiKeyChallenge, bearerChallenge, type BearerErrorCode } from './challenges.js';
export { settleShape } from './object-shape.js';
