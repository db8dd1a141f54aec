/**
 * `express-platform-kit/rate-limit`: distributed rate limiting.
 * - `rateLimit()`: the Express middleware (headers, 429, exempt paths, store-failure modes);
 * - `createRateLimiter()`: the limiter itself (no Express), three algorithms, memory or Redis;
 * - `rateLimitAdminRouter()`: inspect/reset a client's limit;
 * - stores and helpers for custom setups; `loadRateLimitSettings()` for the environment.
 */
export { loadRateLimitSettings, type RateLimitSettings } from './settings.js';
export {
  RATE_LIMIT_ALGORITHMS,
  type RateLimitAlgorithm, type RateLimitStorePolicy, type RateLimitResult, type RateLimitInfo, type RateLimitStore,
  type StoreCheckResult, type StoreInfoResult, type MaybePromise,
  type RateLimitCallOptions, type RateLimitCheck, type RateLimitMultiResult, type RateLimitRefundResult,
  type RateLimitStoreFeature, type StoreMultiCheck, type StoreRefundResult,
} from './types.js';
export { createRateLimiter, type RateLimiter, type RateLimiterOptions, type RateLimitPolicyOptions } from './limiter.js';
export { createMemoryStore, type MemoryStoreOptions, type MemoryRateLimitStore } from './memory-store.js';
export { createRedisStore, type RedisRateLimitStore, type RedisStoreOptions } from './redis-store.js';
export { rateLimitStorageKey } from './keys.js';
export { rateLimitIpKey, type ClientKeyRequest } from './client-key.js';
export { RATE_LIMITED_ERROR, RATE_LIMITED_MESSAGE } from './rate-limited-error.js';
export {
  rateLimit, DEFAULT_RATE_LIMIT_EXEMPT_PATHS,
  type RateLimitMiddleware, type RateLimitMiddlewareOptions, type RateLimitStoreFailureMode, type RateLimitStoreStats,
  type RateLimitRequestInfo, type RateLimitExceededHandler, type RateLimitMessage, type RateLimitHeadersDraft,
  type RateLimitMiddlewarePolicy, type PerRequest,
} from './middleware.js';
export { rateLimitAdminRouter, type RateLimitAdminRouterOptions, type RateLimitKeyStatus } from './admin-router.js';
export {
  ExpressRateLimitStore,
  type ExpressRateLimitStoreOptions, type ExpressRateLimitClientInfo, type ExpressRateLimitInitOptions,
} from './express-rate-limit-store.js';
