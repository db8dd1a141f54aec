/**
 * The authenticated user, built from a Supabase-shaped JWT payload. Tolerant of what
 * Supabase really issues (no or a `null` `email`/`phone` for phone and anonymous users, no
 * `role` means `user`), strict about types: a claim of the wrong type is a 401, never a 500.
 */
import { z } from 'zod';
import type { JWTPayload } from 'jose';
import { invalidTokenError } from './auth-errors.js';

/**
 * zod schema of the authenticated user (also its TypeScript type).
 *
 * @example
 * ```ts
 * const user: User = User.parse({ id: 'u1', email: '', phoneNumber: '', role: 'user' })
 * ```
 */
export const User = z.object({
  /** The `sub` claim. */
  id: z.string().min(1),
  /** `email`; empty for phone and anonymous users. */
  email: z.string(),
  /** `phone`; empty when absent. */
  phoneNumber: z.string(),
  /** `role`; `user` when absent. Compare with {@link isAdmin} (case-insensitive). */
  role: z.string().min(1),
  /** `user_metadata.name`, when it is a string. */
  name: z.string().optional(),
  /** `created_at`, when present. */
  createdAt: z.string().optional(),
  /** `last_sign_in_at`, when present. */
  lastSignIn: z.string().optional(),
});

/** The authenticated user. */
export type User = z.infer<typeof User>;

/**
 * Role given to tokens without a `role` claim.
 *
 * @example
 * ```ts
 * userFromPayload({ sub: 'u1' }).role === DEFAULT_USER_ROLE // true
 * ```
 */
export const DEFAULT_USER_ROLE = 'user';

/** A string claim; `null` counts as absent (Supabase sends `email: null` for phone users). */
function optionalString(payload: JWTPayload, claim: string): string | undefined {
  const value = payload[claim];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidTokenError('Invalid user data in token', 'ERR_AUTH_USER_INVALID');
  return value;
}

/** `role` must be a string when present: a `null` role is malformed, not "no role". */
function optionalRole(payload: JWTPayload): string | undefined {
  if (payload.role === null) throw invalidTokenError('Invalid user data in token', 'ERR_AUTH_USER_INVALID');
  return optionalString(payload, 'role');
}

function timestamp(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) {
    const date = new Date(value * 1000);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  return undefined;
}

/**
 * Builds the {@link User} of a verified payload. Throws `HttpError` 401
 * `User ID not found in token` without a usable `sub`, and `Invalid user data in token` when
 * `sub`, `email`, `phone` or `role` has the wrong type.
 *
 * @example
 * ```ts
 * const user = userFromPayload(await verifier.verify(token))
 * ```
 */
export function userFromPayload(payload: JWTPayload): User {
  const sub: unknown = payload.sub;
  if (sub === undefined || sub === null || sub === '') {
    throw invalidTokenError('User ID not found in token', 'ERR_AUTH_USER_ID_MISSING');
  }
  if (typeof sub !== 'string' || sub.trim() === '') throw invalidTokenError('Invalid user data in token', 'ERR_AUTH_USER_INVALID');
  const metadata = payload.user_metadata;
  const name = typeof metadata === 'object' && metadata !== null && typeof (metadata as Record<string, unknown>).name === 'string'
    ? ((metadata as Record<string, unknown>).name as string)
    : undefined;
  const user: User = {
    id: sub,
    email: optionalString(payload, 'email') ?? '',
    phoneNumber: optionalString(payload, 'phone') ?? '',
    role: optionalRole(payload) || DEFAULT_USER_ROLE,
  };
  if (name !== undefined) user.name = name;
  const createdAt = timestamp(payload.created_at);
  if (createdAt !== undefined) user.createdAt = createdAt;
  const lastSignIn = timestamp(payload.last_sign_in_at);
  if (lastSignIn !== undefined) user.lastSignIn = lastSignIn;
  return user;
}

/**
 * True when the user's role is `admin` (case-insensitive).
 *
 * @example
 * ```ts
 * if (!isAdmin(req.user!)) throw httpError(403, 'Admin access required')
 * ```
 */
export function isAdmin(user: Pick<User, 'role'>): boolean {
  return user.role.toLowerCase() === 'admin';
}

/**
 * A name to show: `name`, else `email`, else `phoneNumber`, else the id.
 *
 * @example
 * ```ts
 * res.json({ greeting: `Hello ${displayName(req.user!)}` })
 * ```
 */
export function displayName(user: User): string {
  return user.name?.trim() || user.email || user.phoneNumber || user.id;
}
