/**
 * Logging settings from the environment: LOG_LEVEL (Python-style names), ENABLE_FILE_LOGGING,
 * ENABLE_CLOUD_LOGGING and LOG_DIR, plus LOG_FORMAT, LOG_COLOR, CLOUD_LOGGING_MODE and the file
 * size/count limits. Bad values fail at startup with one ConfigError listing them all.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { envBool, envEnum, envInt, envString, parseEnvSettings } from '../config/settings.js';
import type { Env } from '../config/env.js';
import { LOG_LEVEL_NAMES, WINSTON_LEVEL_OF, type LogLevelName, type ReferenceLogLevel } from './levels.js';

/** Output formats: `structured` (development), `json` (production, one object per line), `simple`. */
export const LOG_FORMATS = ['simple', 'structured', 'json'] as const;
export type LogFormatName = (typeof LOG_FORMATS)[number];

export interface LoggingSettings {
  /** The `LOG_LEVEL` name (`DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`). */
  levelName: ReferenceLogLevel;
  /** The winston level it maps to (`DEBUG`→debug, `WARNING`→warning, `CRITICAL`→critical…). */
  level: LogLevelName;
  enableFileLogging: boolean;
  enableCloudLogging: boolean;
  /** `'api'` (Logging API) or `'stdout'` (structured JSON for Cloud Run / GKE agents). */
  cloudMode: 'api' | 'stdout';
  logDir: string;
  format: LogFormatName;
  /** true/false when LOG_COLOR is set; undefined = colors when stdout is a TTY and NO_COLOR is unset. */
  color: boolean | undefined;
  fileMaxBytes: number;
  fileMaxFiles: number;
}

const schema = z.object({
  LOG_LEVEL: envEnum(LOG_LEVEL_NAMES, 'INFO'),
  ENABLE_FILE_LOGGING: envBool(false),
  ENABLE_CLOUD_LOGGING: envBool(false),
  CLOUD_LOGGING_MODE: envEnum(['api', 'stdout'] as const, 'stdout'),
  LOG_DIR: envString(),
  LOG_FORMAT: z.preprocess((value) => (typeof value === 'string' ? value.trim().toLowerCase() || undefined : value), z.enum(LOG_FORMATS, { message: `must be one of ${LOG_FORMATS.join(', ')}` }).optional()),
  LOG_COLOR: z.preprocess((value) => (typeof value === 'string' && value.trim().toLowerCase() === 'auto' ? undefined : value), envBool(false).optional()),
  LOG_FILE_MAX_BYTES: envInt({ min: 1024, max: 1024 ** 4, default: 10 * 1024 * 1024 }),
  LOG_FILE_MAX_FILES: envInt({ min: 0, max: 1000, default: 3 }),
});

/** Default LOG_DIR: a `logs` folder in the working directory (shared by every process started there; see rotating-file.ts). */
export const DEFAULT_LOG_DIR = 'logs';

/**
 * Reads the logging settings from `env` (default: `.env` + `process.env`).
 *
 * @example
 * ```ts
 * const settings = loadLoggingSettings() // LOG_LEVEL=debug LOG_FORMAT=json …
 * configureLogging({ settings })
 * ```
 */
export function loadLoggingSettings(env?: Env): LoggingSettings {
  const raw = parseEnvSettings(schema, env, 'logging settings');
  const levelName = raw.LOG_LEVEL as ReferenceLogLevel;
  return {
    levelName,
    level: WINSTON_LEVEL_OF[levelName],
    enableFileLogging: raw.ENABLE_FILE_LOGGING,
    enableCloudLogging: raw.ENABLE_CLOUD_LOGGING,
    cloudMode: raw.CLOUD_LOGGING_MODE,
    logDir: resolve(raw.LOG_DIR ?? DEFAULT_LOG_DIR),
    format: raw.LOG_FORMAT ?? (raw.ENABLE_CLOUD_LOGGING ? 'json' : 'structured'),
    color: raw.LOG_COLOR,
    fileMaxBytes: raw.LOG_FILE_MAX_BYTES,
    fileMaxFiles: raw.LOG_FILE_MAX_FILES,
  };
}
