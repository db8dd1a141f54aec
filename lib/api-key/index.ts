/**
 * `express-platform-kit/api-key`: API keys with a visible prefix (`agpt_`), salted scrypt
 * hashes (legacy SHA-256 still verified), and the `requireApiKey()` middleware.
 */
export { APIKeyManager, API_KEY_HEAD_LENGTH, API_KEY_TAIL_LENGTH, API_KEY_MAX_LENGTH, type GeneratedAPIKey } from './key-manager.js';
export type { APIKeyManagerOptions } from './settings.js';
export { requireApiKey, type RequireAPIKeyOptions, type RequireApiKeyOptions, type StoredAPIKey } from './middleware.js';
export { extractApiKey, extractAPIKey, type ExtractedAPIKey, type APIKeySource } from './extract.js';
// The process-wide bound on concurrent scrypt work (beyond it: ERR_API_KEY_BUSY, a 503).
export { DEFAULT_HASH_LIMITS } from './hash-limiter.js';
