/**
 * Startup validation of Redis URLs, from the environment or an option. ioredis parses a bad
 * URL with a raw `TypeError` whose message (and `input`) holds the URL, password included, and
 * reads `localhost:6379` as a URL with protocol `localhost:` — connecting to whatever listens
 * on the default port. Here a bad URL is a `ConfigError` naming the variable or option, never
 * its value.
 */
import { ConfigError } from '../config/settings.js';

const PROTOCOLS = new Set(['redis:', 'rediss:']);
const SCOPE = 'Redis settings';
const EXPECTED = 'must be a redis:// or rediss:// URL: redis://[[user]:password@]host[:port][/db]';

function problemOf(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The parser's own message repeats the input (and so the password): not used.
    return `is not a valid URL (${EXPECTED})`;
  }
  if (!PROTOCOLS.has(parsed.protocol)) return `has an unsupported scheme (${EXPECTED})`;
  if (parsed.hostname === '') return `has no host (${EXPECTED})`;
  if (parsed.pathname !== '' && parsed.pathname !== '/' && !/^\/\d{1,5}$/.test(parsed.pathname)) {
    return 'has a path that is not a database number (e.g. /0)';
  }
  return undefined;
}

/**
 * Returns `url` trimmed when it is a usable Redis URL, else throws a `ConfigError` naming
 * `name` (an env variable such as `REDIS_URL`, or an option such as `redis`).
 *
 * @example
 * ```ts
 * checkRedisUrl(process.env.CACHE_REDIS_URL ?? '', 'CACHE_REDIS_URL')
 * ```
 */
export function checkRedisUrl(url: string, name: string): string {
  const text = url.trim();
  const problem = text === '' ? `is empty (${EXPECTED})` : problemOf(text);
  if (problem) throw new ConfigError([{ variable: name, message: problem }], SCOPE);
  return text;
}

/** The URL with its password replaced by `***` (for messages and closer names). */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(invalid Redis URL)';
  }
}
