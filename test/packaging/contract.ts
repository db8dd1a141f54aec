/**
 * The public names DESIGN.md promises per subpath (code outside this repo imports them).
 * The packaging test checks each one from the packed tarball, with `import` and `require`.
 */
export const PUBLIC_CONTRACT: Record<string, string[]> = {
  errors: ['KitError', 'HttpError', 'httpError', 'isKitError', 'errorHandler', 'KIT_ERROR_CODES'],
  config: ['parseEnvSettings', 'ConfigError', 'emitKitWarning', 'resolveEnv'],
  redis: ['getSharedRedis', 'resolveRedis', 'closeSharedRedis'],
  shutdown: ['gracefulShutdown', 'onShutdown'],
  auth: ['loadAuthSettings', 'verifyAuthSettings', 'createJwtVerifier', 'requireUser', 'requireAdminUser', 'requireUserId', 'optionalUser', 'User', 'userFromPayload', 'isAdmin', 'displayName', 'BEARER_JWT_SCHEME',
    // issue 13 (typed requests) and issue 16 (scopes, claims, service tokens, revocation)
    'userOf', 'authOf', 'requiredScopes', 'scopeIncludesAny', 'claimEquals', 'claimIncludes', 'claimCheck', 'grantedScopes',
    'requireService', 'serviceOf', 'isClientCredentialsToken', 'createRedisRevocationList'],
  'rate-limit': ['rateLimit', 'createRateLimiter', 'rateLimitAdminRouter', 'loadRateLimitSettings', 'createMemoryStore', 'createRedisStore', 'DEFAULT_RATE_LIMIT_EXEMPT_PATHS', 'RATE_LIMIT_ALGORITHMS', 'ExpressRateLimitStore'],
  logging: ['configureLogging', 'getLogger', 'shutdownLogging', 'loadLoggingSettings', 'requestContext', 'accessLog', 'setLogContext', 'belowLevel', 'jsonFileTransport', 'removeColorCodes',
    // issue 17 (OpenTelemetry correlation)
    'propagationHeaders', 'parseTraceparent', 'parseTracestate', 'requestTraceFrom'],
  openapi: ['z', 'createApiRouter', 'generateOpenApiDocument', 'addAuthResponses', 'serveOpenApi', 'jsonResponse', 'emptyResponse', 'withOpenApiMetadata', 'getOpenApiMetadata', 'BEARER_JWT_SCHEME', 'API_KEY_SCHEME', 'SESSION_COOKIE_SCHEME', 'OpenAPIRegistry',
    // issue 18
    'uploadedFile', 'DEFAULT_MULTIPART_LIMITS', 'DEFAULT_RESPONSE_VALIDATION', 'DEFAULT_SWAGGER_UI_OPTIONS',
    'generateTypeScriptTypes'],
  'api-key': ['APIKeyManager', 'requireApiKey'],
  credentials: ['IntegrationCredentialsStore', 'OAuth2Credentials', 'APIKeyCredentials', 'UserPasswordCredentials', 'HostScopedCredentials', 'Credentials', 'OAuthState', 'UserMetadata', 'UserIntegrations', 'authHeader', 'bearer', 'Secret'],
  sync: ['RedisKeyedMutex', 'MemoryKeyedMutex', 'createKeyedMutex', 'threadCached', 'cached', 'clearThreadCache', 'clearAllThreadCache', 'getCacheStats'],
  session: ['SessionManager', 'requireSession'],
  alerting: ['AlertManager', 'webhookNotifier', 'loggerNotifier', 'requestMetrics', 'collectProcessMetrics', 'metricsHandler', 'startAlertEvaluator',
    // issue 17: metrics in both dialects
    'OTEL_HTTP_DURATION_BUCKETS'],
};

/** The root export re-exports every module, plus these. */
export const ROOT_EXTRA = ['gracefulShutdown', 'healthRouter'];
