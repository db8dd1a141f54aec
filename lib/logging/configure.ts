/**
 * `configureLogging()`: one call at startup wires the root logger's transports from the
 * settings; calling it again replaces them (never duplicates). `shutdownLogging()` flushes.
 */
import { join } from 'node:path';
import winston from 'winston';
import TransportStream from 'winston-transport';
import { z } from 'zod';
import { ConfigError, parseOptions } from '../config/settings.js';
import type { Env } from '../config/env.js';
import { onShutdown } from '../shutdown/index.js';
import { CloudTransport, type CloudLoggingOptions } from './cloud.js';
import { setCloudTrace } from './context.js';
import { jsonFormat, simpleFormat, structuredFormat } from './formats.js';
import { LOG_LEVEL_NAMES, LOG_LEVELS, STDERR_LEVELS, WINSTON_LEVEL_OF, type LogLevelName, type ReferenceLogLevel } from './levels.js';
import { getRootLogger, kitTransports } from './logger.js';
import { registerErrorReporter, unregisterErrorReporter } from './error-reporter.js';
import { configureRedaction, type RedactOptions } from './redact.js';
import { RotatingFileTransport } from './rotating-file.js';
import { LOG_FORMATS, loadLoggingSettings, type LogFormatName, type LoggingSettings } from './settings.js';

export interface ConfigureLoggingOptions {
  /** Settings to start from. Default: `loadLoggingSettings(env)`. */
  settings?: LoggingSettings;
  /** Environment read when `settings` is not given. */
  env?: Env;
  /** Level: `DEBUG`…`CRITICAL` (any case) or a winston level name. Env `LOG_LEVEL`. */
  level?: string;
  /** `structured` | `json` | `simple`. Env `LOG_FORMAT`. */
  format?: LogFormatName;
  /** ANSI colors on the console. Env `LOG_COLOR`; default: when stdout is a TTY and NO_COLOR is unset. */
  color?: boolean;
  /** Console transport. Default true (false in cloud `stdout` mode, whose JSON lines replace it). */
  console?: boolean;
  /** Rotating files in `logDir`. Env `ENABLE_FILE_LOGGING`. */
  file?: boolean;
  /** Env `LOG_DIR`, default `./logs`. */
  logDir?: string;
  /** Env `LOG_FILE_MAX_BYTES`, default 10 MB. */
  fileMaxBytes?: number;
  /** Rotated files kept per log. Env `LOG_FILE_MAX_FILES`, default 3. */
  fileMaxFiles?: number;
  /** Google Cloud Logging: `true`, `false` or transport options. Env `ENABLE_CLOUD_LOGGING`, `CLOUD_LOGGING_MODE`. */
  cloud?: boolean | CloudLoggingOptions;
  /**
   * More transports managed with the kit's (replaced on the next call, flushed on shutdown).
   * Anything winston accepts: a transport from any copy of winston/winston-transport (a linked
   * package, a monorepo), an object-mode stream with `log()`, or a legacy `{ log() }` object.
   */
  transports?: LogTransport[];
  /**
   * Redaction: more sensitive `names` (headers, record fields at any depth, query parameters),
   * record `paths` (`user.email`, `body.*.card`) and the `censor` value (default `[REDACTED]`).
   * The built-in list always applies. Each call replaces the previous `redact`.
   */
  redact?: RedactOptions;
}

/** A transport winston accepts (checked by shape, never with `instanceof`). */
export type LogTransport = TransportStream | { log(...args: never[]): unknown };

/** What winston's `logger.add()` accepts: an emitter with `log()`; a stream must be in object mode. */
function isTransportLike(value: unknown): value is LogTransport {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as { log?: unknown; on?: unknown; pipe?: unknown; _writableState?: { objectMode?: boolean } };
  // winston listens for 'error'/'warn' on every transport, legacy ones included.
  if (typeof candidate.log !== 'function' || typeof candidate.on !== 'function') return false;
  const isStream = typeof candidate.pipe === 'function' && candidate._writableState !== undefined;
  return !isStream || candidate._writableState?.objectMode === true || candidate.log.length > 2;
}

function isSettings(value: unknown): value is LoggingSettings {
  return value !== null && typeof value === 'object' && typeof (value as LoggingSettings).level === 'string' && typeof (value as LoggingSettings).logDir === 'string';
}

const optionsSchema = z
  .object({
    settings: z.custom<LoggingSettings>(isSettings, { message: 'must come from loadLoggingSettings()' }).optional(),
    env: z.record(z.string(), z.string().optional()).optional(),
    level: z.string().optional(),
    format: z.enum(LOG_FORMATS).optional(),
    color: z.boolean().optional(),
    console: z.boolean().optional(),
    file: z.boolean().optional(),
    logDir: z.string().min(1).optional(),
    fileMaxBytes: z.number().int().min(1024).optional(),
    fileMaxFiles: z.number().int().min(0).max(1000).optional(),
    cloud: z.union([z.boolean(), z.custom<CloudLoggingOptions>((value) => value !== null && typeof value === 'object' && !Array.isArray(value))]).optional(),
    transports: z.array(z.custom<LogTransport>(isTransportLike, { message: 'must be a winston transport (an event emitter with log())' })).optional(),
    redact: z
      .object({
        names: z.array(z.string().trim().min(1).max(64)).optional(),
        paths: z.array(z.string().regex(/^[^.\s]+(?:\.[^.\s]+)*$/, 'must be a dot path like user.email')).optional(),
        censor: z.string().max(100).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** What the current configuration resolved to (for the middlewares and diagnostics). */
export interface LoggingState {
  level: LogLevelName;
  format: LogFormatName;
  cloud: CloudTransport | undefined;
  projectId: string | undefined;
  logDir: string | undefined;
}

let state: LoggingState = { level: 'info', format: 'structured', cloud: undefined, projectId: undefined, logDir: undefined };
const retiring = new Set<Promise<unknown>>();
let unregisterShutdown: (() => void) | undefined;

/** The active logging configuration. */
export function getLoggingState(): Readonly<LoggingState> {
  return state;
}

function resolveLevel(level: string): LogLevelName {
  const upper = level.trim().toUpperCase();
  if ((LOG_LEVEL_NAMES as readonly string[]).includes(upper)) return WINSTON_LEVEL_OF[upper as ReferenceLogLevel];
  const lower = level.trim().toLowerCase();
  if (Object.prototype.hasOwnProperty.call(LOG_LEVELS, lower)) return lower as LogLevelName;
  throw new ConfigError([{ variable: 'level', message: `must be one of ${LOG_LEVEL_NAMES.join(', ')}` }], 'configureLogging() options');
}

function formatFor(name: LogFormatName, colors: boolean): winston.Logform.Format {
  if (name === 'json') return jsonFormat();
  if (name === 'simple') return simpleFormat({ colors });
  return structuredFormat({ colors });
}

class NullTransport extends TransportStream {
  override log(_info: unknown, callback: () => void): void {
    callback();
  }
}

/**
 * Configures the root logger from the environment and `options`; returns it. Idempotent:
 * transports installed by a previous call are flushed and replaced. Transports you added
 * yourself with `getRootLogger().add()` are kept.
 *
 * @example
 * ```ts
 * const logger = configureLogging() // LOG_LEVEL, LOG_FORMAT, ENABLE_FILE_LOGGING, ENABLE_CLOUD_LOGGING…
 * logger.info('service started')
 * ```
 */
export function configureLogging(options: ConfigureLoggingOptions = {}): winston.Logger {
  const parsed = parseOptions(optionsSchema, options, 'configureLogging() options');
  const settings = parsed.settings ?? loadLoggingSettings(parsed.env);
  const level = parsed.level !== undefined ? resolveLevel(parsed.level) : settings.level;
  const cloudEnabled = parsed.cloud === undefined ? settings.enableCloudLogging : parsed.cloud !== false;
  const cloudOptions: CloudLoggingOptions = typeof parsed.cloud === 'object' ? { ...parsed.cloud } : {};
  cloudOptions.mode ??= settings.cloudMode;
  const format = parsed.format ?? (parsed.cloud !== undefined && cloudEnabled && !settings.enableCloudLogging ? 'json' : settings.format);
  const colors = parsed.color ?? settings.color ?? (Boolean(process.stdout.isTTY) && !process.env.NO_COLOR);
  const consoleEnabled = parsed.console ?? !(cloudEnabled && cloudOptions.mode === 'stdout');
  const fileEnabled = parsed.file ?? settings.enableFileLogging;
  const logDir = parsed.logDir ?? settings.logDir;
  const maxBytes = parsed.fileMaxBytes ?? settings.fileMaxBytes;
  const maxFiles = parsed.fileMaxFiles ?? settings.fileMaxFiles;

  const transports: LogTransport[] = [];
  if (consoleEnabled) {
    transports.push(new winston.transports.Console({ stderrLevels: [...STDERR_LEVELS], format: formatFor(format, colors) }));
  }
  if (fileEnabled) {
    const fileFormat = () => (format === 'json' ? jsonFormat() : structuredFormat({ colors: false }));
    const file = (name: string, fileLevel?: LogLevelName) => {
      try {
        return new RotatingFileTransport({ filename: join(logDir, name), maxBytes, maxFiles, level: fileLevel, format: fileFormat() });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? String(error);
        throw new ConfigError([{ variable: 'LOG_DIR', message: `cannot write ${name} in the log directory (${code})` }], 'logging settings');
      }
    };
    transports.push(file('activity.log'));
    if (level === 'debug' || level === 'silly') transports.push(file('debug.log', level));
    transports.push(file('error.log', 'error'));
  }
  let cloud: CloudTransport | undefined;
  if (cloudEnabled) {
    cloud = new CloudTransport(cloudOptions);
    transports.push(cloud);
  }
  transports.push(...(parsed.transports ?? []));
  if (transports.length === 0) transports.push(new NullTransport());

  const root = getRootLogger();
  for (const old of kitTransports) {
    root.remove(old);
    retiring.add(closeTransport(old, 10_000));
  }
  kitTransports.clear();
  root.level = level;
  for (const transport of transports) {
    root.add(transport as TransportStream);
    kitTransports.add(transport as TransportStream);
  }
  configureRedaction(parsed.redact);
  registerErrorReporter();
  state = { level, format, cloud, projectId: cloud?.projectId, logDir: fileEnabled ? logDir : undefined };
  setCloudTrace(cloud !== undefined, cloud?.projectId);
  unregisterShutdown?.();
  unregisterShutdown = onShutdown('logging', () => shutdownLogging().then(() => undefined), 'logs');
  return root;
}

async function closeTransport(transport: winston.transport, timeoutMs: number): Promise<boolean> {
  try {
    if (transport instanceof CloudTransport) return await transport.flush(timeoutMs);
    if (transport instanceof RotatingFileTransport) {
      transport.close();
      return true;
    }
    const closable = transport as unknown as { close?: () => void };
    if (!(transport instanceof winston.transports.Console)) closable.close?.();
  } catch {
    return false;
  }
  return true;
}

async function drainLogger(logger: winston.Logger, deadline: number): Promise<void> {
  const streamState = logger as unknown as { _readableState?: { length: number }; _writableState?: { length: number } };
  while ((streamState._readableState?.length ?? 0) + (streamState._writableState?.length ?? 0) > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function drainStream(stream: NodeJS.WriteStream, deadline: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    timer.unref();
    try {
      stream.write('', () => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

export interface ShutdownLoggingOptions {
  /** How long to wait for the cloud transport to deliver pending entries. Default 10000. */
  timeoutMs?: number;
}

/**
 * Flushes every transport: queued file lines are written and files closed (a later record
 * reopens them), Cloud entries are delivered (up to `timeoutMs`), stdout/stderr drained.
 * Resolves true when everything was flushed in time. Never throws; safe to call from a
 * SIGTERM handler and more than once. Registered with `onShutdown(..., 'logs')`.
 *
 * @example
 * ```ts
 * process.once('SIGTERM', async () => { await shutdownLogging(); process.exit(0) })
 * ```
 */
export async function shutdownLogging(options: ShutdownLoggingOptions = {}): Promise<boolean> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  try {
    const root = getRootLogger();
    await drainLogger(root, deadline);
    const results = await Promise.all([
      ...[...kitTransports].map((transport) => closeTransport(transport, Math.max(0, deadline - Date.now()))),
      ...[...retiring].map((pending) => pending.then(Boolean, () => false)),
    ]);
    retiring.clear();
    // Transports are closing: a late 5xx goes to stderr synchronously (configureLogging() takes it back).
    unregisterErrorReporter();
    await Promise.all([drainStream(process.stdout, deadline), drainStream(process.stderr, deadline)]);
    return results.every(Boolean);
  } catch {
    return false;
  }
}
