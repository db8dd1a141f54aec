/**
 * The root winston logger of the process and `getLogger(name)`. Its identity never changes:
 * `configureLogging()` reconfigures this same object, so child loggers created at import
 * time (by the kit's modules or by your code) follow every reconfiguration.
 *
 * It uses the kit's level set from the start (critical, error, warning/warn, info, http,
 * verbose, debug, silly) and the record format that adds the request context, so loggers
 * created before `configureLogging()` already carry requestId and userId.
 */
import winston from 'winston';
import { logRecordFormat, structuredFormat } from './formats.js';
import { LOG_LEVELS, STDERR_LEVELS } from './levels.js';

/** The console transport used until `configureLogging()` runs. */
export function defaultConsoleTransport(colors = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR): winston.transport {
  return new winston.transports.Console({ stderrLevels: [...STDERR_LEVELS], format: structuredFormat({ colors }) });
}

const rootLogger = winston.createLogger({
  levels: { ...LOG_LEVELS },
  level: 'info',
  format: logRecordFormat(),
  exitOnError: false,
  transports: [defaultConsoleTransport()],
});

/** The transports the kit installed (replaced by each `configureLogging()`). */
export const kitTransports = new Set<winston.transport>(rootLogger.transports);

/**
 * The process-wide root logger (same object for the life of the process).
 *
 * @example
 * ```ts
 * getRootLogger().add(new MyTransport()) // kept across configureLogging() calls
 * ```
 */
export function getRootLogger(): winston.Logger {
  return rootLogger;
}

/**
 * A child logger tagged with `logger: name`. Create it at import time: it follows every later
 * `configureLogging()`.
 *
 * @example
 * ```ts
 * const log = getLogger('billing')
 * log.info('invoice sent', { invoiceId })
 * ```
 */
export function getLogger(name: string): winston.Logger {
  return rootLogger.child({ logger: name });
}
