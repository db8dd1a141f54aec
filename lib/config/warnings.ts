/**
 * Coded startup and first-request warnings for likely misconfigurations (the habit of
 * express-rate-limit's validations). Each fires once per process and key, through Node's own
 * `process.emitWarning` (type `KitWarning`), so they show on stderr by default and can be
 * observed with `process.on('warning')` or silenced by code.
 */

/**
 * Every warning code the kit can emit: a closed list, so a misspelled code is a compile error
 * and test/config/warnings.test.ts can check that docs/config.md documents each one (and no
 * other).
 */
export const KIT_WARNING_CODES = [
  'WARN_AUTH_JWKS_INSECURE_URL',
  'WARN_AUTH_SYMMETRIC_ALGORITHM',
  'WARN_AUTH_WEAK_KEY',
  'WARN_CLOUD_LOGGING_FAILED',
  'WARN_CLOUD_LOGGING_UNAVAILABLE',
  'WARN_LOG_FILE_WRITE_FAILED',
  'WARN_RATE_LIMIT_STORE_UNAVAILABLE',
  'WARN_RATE_LIMIT_UNNAMED_SHARED_STORE',
  'WARN_RATE_LIMIT_WINDOW_MS_SMALL',
  'WARN_REDIS_CONNECTION',
  'WARN_REQUEST_CONTEXT_MISSING',
  'WARN_TRUST_PROXY_OFF',
  'WARN_TRUST_PROXY_PERMISSIVE',
] as const;

/** A warning code, e.g. `WARN_TRUST_PROXY_OFF`. */
export type KitWarningCode = (typeof KIT_WARNING_CODES)[number];

const emitted = new Set<string>();
const disabled = new Set<string>(
  (process.env.PLATFORM_KIT_DISABLE_WARNINGS ?? '').split(',').map((code) => code.trim()).filter(Boolean),
);

/** Type name of every warning the kit emits. */
export const KIT_WARNING_TYPE = 'KitWarning';

/**
 * Emits a coded warning once per process for `(code, key)`. Returns whether it was emitted.
 *
 * @example
 * ```ts
 * process.on('warning', (w) => { if (w.name === 'KitWarning') metrics.inc(w.code) })
 * ```
 */
export function emitKitWarning(code: KitWarningCode, message: string, key = ''): boolean {
  const id = `${code}\u0000${key}`;
  if (disabled.has(code) || emitted.has(id)) return false;
  emitted.add(id);
  process.emitWarning(message, { type: KIT_WARNING_TYPE, code });
  return true;
}

/** Silences a warning code for the rest of the process (also: env `PLATFORM_KIT_DISABLE_WARNINGS=CODE,CODE`). */
export function disableKitWarning(code: KitWarningCode): void {
  disabled.add(code);
}

/** Forgets which warnings were emitted (tests). */
export function resetKitWarnings(): void {
  emitted.clear();
}
