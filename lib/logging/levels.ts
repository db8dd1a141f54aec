/**
 * The kit's winston level set: Python's logging levels (critical, error, warning, info,
 * debug) plus winston's npm names (warn, http, verbose, silly) as aliases, so code written for
 * plain winston (`logger.warn(...)`) keeps working on the kit's loggers.
 */

/** Winston priorities (lower is more severe). `warn` is an alias of `warning`. */
export const LOG_LEVELS = {
  critical: 0,
  error: 1,
  warning: 2,
  warn: 2,
  info: 3,
  http: 4,
  verbose: 5,
  debug: 6,
  silly: 7,
} as const;

/** A winston level name of the kit's level set. */
export type LogLevelName = keyof typeof LOG_LEVELS;

/** The `LOG_LEVEL` names (Python's logging level names). */
export const LOG_LEVEL_NAMES = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export type ReferenceLogLevel = (typeof LOG_LEVEL_NAMES)[number];

/** `LOG_LEVEL` value → winston level. */
export const WINSTON_LEVEL_OF: Readonly<Record<ReferenceLogLevel, LogLevelName>> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARNING: 'warning',
  ERROR: 'error',
  CRITICAL: 'critical',
};

/** Winston level → the upper-case name written in logs (also Cloud Logging's severity). */
export const SEVERITY_OF: Readonly<Record<string, string>> = {
  critical: 'CRITICAL',
  error: 'ERROR',
  warning: 'WARNING',
  warn: 'WARNING',
  info: 'INFO',
  http: 'INFO',
  verbose: 'DEBUG',
  debug: 'DEBUG',
  silly: 'DEBUG',
};

/** Cloud Logging severity codes (google.logging.type.LogSeverity / 100) for the transport's `levels`. */
export const CLOUD_LEVEL_CODES: Readonly<Record<LogLevelName, number>> = {
  critical: 2,
  error: 3,
  warning: 4,
  warn: 4,
  info: 6,
  http: 6,
  verbose: 7,
  debug: 7,
  silly: 7,
};

/** Levels at or above WARNING (written to stderr by the console transport). */
export const STDERR_LEVELS: readonly LogLevelName[] = ['critical', 'error', 'warning', 'warn'];

/** Priority of a level name, or undefined when it is not one of the kit's levels. */
export function levelPriority(level: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(LOG_LEVELS, level) ? LOG_LEVELS[level as LogLevelName] : undefined;
}

/** Upper-case display name of a level (unknown levels are upper-cased as they are). */
export function severityOf(level: string): string {
  return SEVERITY_OF[level] ?? String(level).toUpperCase();
}
