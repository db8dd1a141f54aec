import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/** A bag of environment variables, like `process.env`. */
export type Env = Record<string, string | undefined>;

let dotEnvCache: { path: string; values: Env } | undefined;

/**
 * Reads a `.env` file (KEY=value lines, Node's own parser) once per process and path.
 * A missing file is not an error. Never mutates `process.env`.
 */
export function readDotEnv(path = resolve(process.cwd(), '.env')): Env {
  if (dotEnvCache?.path === path) return dotEnvCache.values;
  const values: Env = existsSync(path) ? (parseEnv(readFileSync(path, 'utf8')) as Env) : {};
  dotEnvCache = { path, values };
  return values;
}

/**
 * The environment settings are read from: an explicit `env` object as given (tests, embedding),
 * or `process.env` over the values of a `.env` file in the working directory (the real
 * environment wins, as with dotenv).
 */
export function resolveEnv(env?: Env): Env {
  if (env) return env;
  return { ...readDotEnv(), ...process.env };
}
