/**
 * The root winston logger of the process and `getLogger(name)`. Its identity never changes:
 * `configureLogging()` reconfigures this same object, so child loggers created at import
 * time (by the kit's modules or by your code) follow every reconfiguration.
 */
import winston from 'winston';

const rootLogger = winston.createLogger({
  level: 'info',
  transports: [new winston.transports.Console()],
});

/** The process-wide root logger. */
export function getRootLogger(): winston.Logger {
  return rootLogger;
}

/** A child logger tagged with `logger: name`. */
export function getLogger(name: string): winston.Logger {
  return rootLogger.child({ logger: name });
}
