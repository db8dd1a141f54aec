import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/** A bag of environment variables, like `process.env`. */
export type Env = Record<string, string | undefined>;

let dotEnvCache: { path: string; values: Env } | undefined;
const loaded = new Set<string>();

const defaultPath = (): string => resolve(process.cwd(), '.env');

/**
 * Reads a `.env` file (KEY=value lines, Node's own parser) once per process and path, and
 * returns its values. A missing file is not an error. Does not change `process.env` (see
 * {@link loadDotEnv}).
 */
export function readDotEnv(path = defaultPath()): Env {
  if (dotEnvCache?.path === path) return dotEnvCache.values;
  const values: Env = existsSync(path) ? (parseEnv(readFileSync(path, 'utf8')) as Env) : {};
  dotEnvCache = { path, values };
  return values;
}

/**
 * Loads a `.env` file into `process.env`, once per process and path, without overriding a
 * variable that is already set (as dotenv and `process.loadEnvFile` do): the real environment
 * wins. Libraries that read `process.env` themselves (`OTEL_*`,
 * `GOOGLE_APPLICATION_CREDENTIALS`) then see the file's values too. The kit calls it on the
 * first settings load; call it yourself first thing if such a library starts earlier.
 * Returns the file's values. A missing file is not an error.
 *
 * @example
 * ```ts
 * import { loadDotEnv } from 'express-platform-kit/config'
 * loadDotEnv() // before the libraries that read process.env are initialised
 * ```
 */
export function loadDotEnv(path = defaultPath()): Env {
  const values = readDotEnv(path);
  if (loaded.has(path)) return values;
  loaded.add(path);
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && process.env[name] === undefined) process.env[name] = value;
  }
  return values;
}

/**
 * The environment settings are read from: an explicit `env` object as given (tests,
 * embedding), or `process.env` after loading the `.env` file of the working directory into it
 * ({@link loadDotEnv}: variables already set win).
 */
export function resolveEnv(env?: Env): Env {
  if (env) return env;
  loadDotEnv();
  return process.env;
}
