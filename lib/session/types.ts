/** Public and store-facing types of the session module. */
import type { SessionRef, UserRef } from './session-id.js';

/** A change between the request that created a session and the one validating it. */
export type SessionSecurityIssue = 'ip_change' | 'user_agent_change';

/** Why `validate()` refused a session id (snake_case values, stable across services). */
export type SessionInvalidReason = 'session_not_found' | 'session_expired' | 'validation_error';

/** A live session as `validate()` returns it. Times are epoch milliseconds. Never contains the id. */
export interface PlatformSession {
  userId: string;
  createdAt: number;
  /** This validation (sliding expiry restarts here). */
  lastSeenAt: number;
  expiresAt: number;
  /** Client IP recorded at creation. */
  ip?: string;
  /** User-Agent recorded at creation. */
  userAgent?: string;
  metadata: Record<string, unknown>;
}

export type SessionValidation =
  | { valid: true; session: PlatformSession; securityIssues: SessionSecurityIssue[] }
  | { valid: false; reason: SessionInvalidReason };

/** Immutable data stored with a session (serialised as JSON by the stores). */
export interface StoredSessionData {
  userId: string;
  ip?: string;
  userAgent?: string;
  metadata: Record<string, unknown>;
}

/** Result of a store's atomic read-and-refresh. */
export type TouchResult =
  | { state: 'missing' }
  | { state: 'expired' }
  | { state: 'ok'; createdAt: number; lastSeenAt: number; expiresAt: number; data: string };

/**
 * The plug-in boundary between `SessionManager` and a backend. Every method is atomic for
 * the session it names; times come from the backend's clock.
 */
export interface SessionStore {
  readonly kind: 'memory' | 'redis';
  create(ref: SessionRef, user: UserRef, data: string): Promise<void>;
  /** Reads a session and, unless it has expired, slides its expiry. Never revives an expired one. */
  touch(ref: SessionRef): Promise<TouchResult>;
  destroy(ref: SessionRef): Promise<boolean>;
  /** Destroys every session of the user; returns how many live sessions were removed. */
  destroyUser(user: UserRef): Promise<number>;
}
