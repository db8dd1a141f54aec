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
import { lineRenderers, logRecordFormat, renderJsonLine, renderLine, structuredFormat, type LineRenderer } from './formats.js';
import { hasRedactPaths } from './redact.js';
import { appendsLines, type RotatingFileTransport } from './rotating-file.js';
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

const LEVEL = Symbol.for('level');

/** The stream classes of readable-stream that own `write`: Duplex copies Writable's methods onto its own prototype. */
const STREAM_CLASSES = new Set(['Writable', 'Duplex']);

/**
 * The stream `write` the root logger inherits unpatched: the one owned by the Duplex (Transform's
 * parent, which holds a copy of Writable's methods) or Writable prototype in its chain (winston's
 * readable-stream), found by walking the chain, so an instrumentation that patched
 * `Logger.prototype.write` before this module loaded is still noticed.
 */
function streamWriteOf(object: object): unknown {
  for (let proto = Object.getPrototypeOf(object) as object | null; proto; proto = Object.getPrototypeOf(proto) as object | null) {
    if (Object.prototype.hasOwnProperty.call(proto, 'write') && STREAM_CLASSES.has((proto as { constructor?: { name?: string } }).constructor?.name ?? '')) {
      return (proto as { write: unknown }).write;
    }
  }
  return undefined;
}
type Info = Record<string | symbol, unknown>;
interface PipedTransport {
  silent?: boolean;
  level?: string;
  levels?: Record<string, number>;
  handleExceptions?: boolean;
  format?: { transform(info: Info, options?: unknown): Info | boolean; options?: unknown };
  log(info: Info, callback: () => void): void;
}
const noop = (): void => undefined;

/**
 * Synchronous dispatch, replacing winston's object-mode stream pipeline for the root logger
 * (and so for every child): the root format runs once, then each transport gets the same
 * level check and its own format on a shallow copy, exactly as winston-transport's `_write`
 * does, and its `log()` is called directly. Same records, same order, much less cost (no
 * Writable/Transform/pipe bookkeeping per record per transport), and one slow transport can no
 * longer stall the others through stream backpressure. A throwing format or transport loses
 * that record for that transport only.
 *
 * APM agents and OpenTelemetry's winston instrumentation patch `winston.Logger.prototype.write`
 * to add trace ids. The root's `write` therefore takes the fast path only while the `write` it
 * inherits is still Node's `Writable.prototype.write`; once anything patched it (before or
 * after this module loaded), every record goes through the patched method, which ends in the
 * stream step `_transform`, replaced by the same dispatch. Nothing is hidden from an
 * instrumentation.
 */
function dispatchWrite(this: winston.Logger, info: Info, encoding?: unknown, callback?: unknown): boolean {
  const inherited = (Object.getPrototypeOf(this) as { write: (...args: unknown[]) => boolean }).write;
  if (STREAM_WRITE === undefined || inherited !== STREAM_WRITE) return inherited.call(this, info, encoding, callback);
  dispatch(this, info);
  return true;
}

function dispatchTransform(this: winston.Logger, info: Info, _encoding: unknown, callback: () => void): void {
  dispatch(this, info);
  callback();
}

function dispatch(self: winston.Logger, info: Info): void {
  const logger = self as unknown as { silent?: boolean; level: string; levels: Record<string, number>; format: PipedTransport['format']; transports: PipedTransport[] };
  if (logger.silent || !info) return;
  if (!info[LEVEL]) info[LEVEL] = info.level;
  let record: Info | boolean;
  try {
    record = logger.format ? logger.format.transform(info, logger.format.options) : info;
  } catch {
    return;
  }
  if (!record || record === true) return;
  const priority = logger.levels[record[LEVEL] as string];
  for (const transport of logger.transports) {
    if (transport.silent || (record.exception === true && !transport.handleExceptions)) continue;
    const level = transport.level || logger.level;
    const levels = transport.levels ?? logger.levels;
    if (level && !((levels[level] ?? -1) >= (priority ?? Number.POSITIVE_INFINITY))) continue;
    try {
      const format = transport.format;
      if (format === undefined) {
        transport.log(record, noop);
        continue;
      }
      // A format may change the record it is given, so each gets its own copy; the kit's
      // rendering formats never do (formats.ts): they get the shared record, and a kit file
      // transport gets their line alone.
      const render = lineRenderers.get(format.transform);
      if (render !== undefined && appendsLines(transport)) {
        transport.appendLine(renderLine(render, record as Parameters<LineRenderer>[0], format.options));
        continue;
      }
      const out = format.transform(render !== undefined ? record : Object.assign({}, record), format.options);
      if (out && out !== true) transport.log(out, noop);
    } catch {
      // never let one transport break logging
    }
  }
}
const STREAM_WRITE = streamWriteOf(rootLogger);
Object.defineProperty(rootLogger, 'write', { value: dispatchWrite, writable: true, configurable: true });
Object.defineProperty(rootLogger, '_transform', { value: dispatchTransform, writable: true, configurable: true });
const ROOT_FORMAT = rootLogger.format;

const plainTargets: RotatingFileTransport[] = [];

/**
 * Where a record at `level` written to the root logger would end, when that is only the kit's
 * JSON lines in kit files: the root logger's `write` and format are the kit's own (nothing
 * patched or replaced them), no redaction path is set, and every transport that takes the
 * level is a kit file transport with the kit's `jsonFormat()`. Then each of them would get
 * exactly `renderJsonLine(logRecordFormat(record))`, and a caller that renders that line itself
 * (the access log, once per request) may append it to these transports directly. Undefined when
 * anything else would see the record: the caller writes it through the logger. The array is
 * reused by the next call.
 */
export function plainJsonTargets(level: string): readonly RotatingFileTransport[] | undefined {
  const logger = rootLogger as unknown as { silent?: boolean; level: string; levels: Record<string, number>; format: unknown; transports: PipedTransport[]; write: unknown };
  if (logger.silent || logger.write !== dispatchWrite || logger.format !== ROOT_FORMAT || hasRedactPaths()) return undefined;
  if (STREAM_WRITE === undefined || (Object.getPrototypeOf(rootLogger) as { write: unknown }).write !== STREAM_WRITE) return undefined;
  const priority = logger.levels[level];
  plainTargets.length = 0;
  for (const transport of logger.transports) {
    if (transport.silent) continue;
    const threshold = transport.level || logger.level;
    const levels = transport.levels ?? logger.levels;
    if (threshold && !((levels[threshold] ?? -1) >= (priority ?? Number.POSITIVE_INFINITY))) continue;
    if (!appendsLines(transport) || transport.format === undefined || lineRenderers.get(transport.format.transform) !== renderJsonLine) return undefined;
    plainTargets.push(transport);
  }
  return plainTargets;
}

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
