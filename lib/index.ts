/**
 * express-platform-kit: the root export re-exports every module. Import a subpath
 * (`express-platform-kit/auth`) to load only what you use.
 */
export * from './errors/index.js';
export * from './config/index.js';
export * from './shutdown/index.js';
export * from './redis/index.js';
export * from './auth/index.js';
export * from './rate-limit/index.js';
export * from './logging/index.js';
export * from './openapi/index.js';
export * from './api-key/index.js';
export * from './credentials/index.js';
export * from './sync/index.js';
export * from './session/index.js';
export * from './alerting/index.js';
export * from './health/index.js';
