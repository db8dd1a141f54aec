/**
 * Every stable error code the kit can produce. Callers branch on `err.code`, never on the
 * message text. One union for the whole kit, so `switch (err.code)` narrows everywhere.
 */
export const KIT_ERROR_CODES = [
  // configuration
  'ERR_CONFIG_INVALID',
  // generic HTTP (errors created with `httpError(status, detail)` without a more specific code)
  'ERR_HTTP',
  'ERR_VALIDATION',
  'ERR_PAYLOAD_TOO_LARGE',
  'ERR_INTERNAL',
  // a route handler's JSON does not match its documented response schema (500, openapi)
  'ERR_RESPONSE_INVALID',
  // auth
  'ERR_AUTH_MISSING',
  'ERR_AUTH_TOKEN_EXPIRED',
  'ERR_AUTH_TOKEN_INVALID',
  'ERR_AUTH_TOKEN_TOO_LARGE',
  'ERR_AUTH_USER_ID_MISSING',
  'ERR_AUTH_USER_INVALID',
  'ERR_AUTH_ADMIN_REQUIRED',
  'ERR_AUTH_IMPERSONATION_FORBIDDEN',
  'ERR_AUTH_JWKS_UNAVAILABLE',
  'ERR_AUTH_INSUFFICIENT_SCOPE',
  'ERR_AUTH_CLAIM_INVALID',
  'ERR_AUTH_TOKEN_AMBIGUOUS',
  'ERR_AUTH_TOKEN_REVOKED',
  'ERR_AUTH_SERVICE_REQUIRED',
  'ERR_AUTH_SERVICE_TOKEN',
  // api keys
  'ERR_API_KEY_MISSING',
  'ERR_API_KEY_INVALID',
  'ERR_API_KEY_BUSY',
  // sessions
  'ERR_SESSION_INVALID',
  // rate limiting and stores
  'ERR_RATE_LIMITED',
  'ERR_STORE_UNAVAILABLE',
  // sync
  'ERR_LOCK_TIMEOUT',
  'ERR_LOCK_LOST',
  'ERR_LOCK_TABLE_FULL',
  // credentials
  'ERR_CREDENTIALS_DECRYPT',
  'ERR_CREDENTIALS_NOT_FOUND',
  'ERR_CREDENTIALS_CONFLICT',
  'ERR_OAUTH_STATE_INVALID',
  // alerting
  'ERR_NOTIFIER_FAILED',
  // health
  'ERR_HEALTH_CHECK_FAILED',
  'ERR_HEALTH_CHECK_TIMEOUT',
  // shutdown
  'ERR_SHUTDOWN_TIMEOUT',
] as const;

/** A stable, documented error code. */
export type KitErrorCode = (typeof KIT_ERROR_CODES)[number];
