/**
 * `express-platform-kit/session`: server-side sessions (memory or Redis/Cluster) with sliding
 * expiry, hijack signals and a cookie middleware.
 */
export { SessionManager, type SessionManagerOptions, type CreateSessionInput, type ValidateSessionInput } from './session-manager.js';
export { requireSession, type RequireSessionOptions, type RequestPlatformSession, type SessionSecurityDecision } from './middleware.js';
export {
  setSessionCookie,
  clearSessionCookie,
  readSessionId,
  readCookie,
  resolveSessionCookie,
  writeSessionCookie,
  eraseSessionCookie,
  type SessionCookieOptions,
  type ResolvedSessionCookie,
} from './cookies.js';
export { loadSessionSettings, sessionSettingsSchema, type SessionSettings } from './settings.js';
export { SESSION_ID_LENGTH } from './session-id.js';
export type { PlatformSession, SessionValidation, SessionSecurityIssue, SessionInvalidReason } from './types.js';
