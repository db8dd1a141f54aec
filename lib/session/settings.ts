/**
 * Session settings from the environment. The cookie variables are the auth module's names
 * (`AUTH_COOKIE_DOMAIN`, `AUTH_COOKIE_SECURE`), read here with the shared config helpers so
 * that sessions never need the auth module's JWT settings.
 */
import { z } from 'zod';
import { envBool, envString, parseEnvSettings } from '../config/settings.js';
import type { Env } from '../config/env.js';

/**
 * The zod schema of the session settings (keys are env variable names).
 *
 * @example
 * ```ts
 * sessionSettingsSchema.parse({ AUTH_COOKIE_SECURE: 'false' }).AUTH_COOKIE_SECURE // false
 * ```
 */
export const sessionSettingsSchema = z.object({
  /** `Domain` attribute of the session cookie; unset = host-only cookie. */
  AUTH_COOKIE_DOMAIN: envString(),
  /** `Secure` attribute of the session cookie. Default true. */
  AUTH_COOKIE_SECURE: envBool(true),
});

/** Parsed session settings. */
export interface SessionSettings {
  cookieDomain: string | undefined;
  cookieSecure: boolean;
}

/**
 * Reads the session settings (`AUTH_COOKIE_DOMAIN`, `AUTH_COOKIE_SECURE`); throws one
 * `ConfigError` listing every bad variable.
 *
 * @example
 * ```ts
 * const { cookieSecure } = loadSessionSettings({ AUTH_COOKIE_SECURE: 'false' })
 * ```
 */
export function loadSessionSettings(env?: Env): SessionSettings {
  const parsed = parseEnvSettings(sessionSettingsSchema, env, 'session settings');
  return { cookieDomain: parsed.AUTH_COOKIE_DOMAIN, cookieSecure: parsed.AUTH_COOKIE_SECURE };
}
