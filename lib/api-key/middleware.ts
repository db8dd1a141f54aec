/**
 * `requireApiKey()`: the Express glue. Finds the key in the request, looks its head up
 * through the app's function, verifies it against each candidate's hash, and answers 401
 * with a `WWW-Authenticate` challenge when that fails, 503 when key hashing is saturated.
 */
import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import { parseOptions } from '../config/settings.js';
import { HttpError } from '../errors/http-error.js';
import { isKitError } from '../errors/kit-error.js';
import { asyncMiddleware } from '../http/async-middleware.js';
import { apiKeyChallenge, bearerChallenge } from '../http/challenges.js';
import { settleShape } from '../http/object-shape.js';
import { getLogger } from '../logging/logger.js';
import { API_KEY_SCHEME, withOpenApiMetadata } from '../openapi/metadata.js';
import { extractApiKey, type APIKeySource } from './extract.js';
import { APIKeyManager } from './key-manager.js';
import type { StoredAPIKey } from './stored-key.js';

export type { StoredAPIKey } from './stored-key.js';

/** Options of {@link requireApiKey}. */
export interface RequireAPIKeyOptions<R extends StoredAPIKey = StoredAPIKey> {
  /**
   * Finds the stored key(s) whose head (first 8 characters) is `head`; return none, one or
   * several (heads are short, so several keys can share one). Only called with a
   * well-formed head. If it throws, the error goes to `next(err)` (a 5xx, without details).
   */
  lookup: (head: string, req: Request) => R | R[] | null | undefined | Promise<R | R[] | null | undefined>;
  /**
   * Called after a key verified against a legacy (unsalted SHA-256) hash, before the
   * request goes on: store `await manager.hash(key)` in place of the old hash. A throw is
   * logged and does not fail the request.
   */
  onLegacyHash?: (record: R, key: string, req: Request) => void | Promise<void>;
  /** The manager (its prefix, hashing bound and verified-key memory). Default `new APIKeyManager()`. */
  manager?: APIKeyManager;
  /** Header carrying the key. Default `X-API-Key`. */
  header?: string;
  /** Most records verified per request (each costs one scrypt). Default 10. */
  maxCandidates?: number;
}

/** @deprecated Renamed {@link RequireAPIKeyOptions} (types spell `APIKey`). */
export type RequireApiKeyOptions<R extends StoredAPIKey = StoredAPIKey> = RequireAPIKeyOptions<R>;

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const isFunction = (value: unknown): boolean => typeof value === 'function';
/** Seconds a client is told to wait when hashing is saturated (slots free within milliseconds). */
const BUSY_RETRY_AFTER_SECONDS = 1;
/** At most one log line per this interval while hashing stays saturated. */
const BUSY_LOG_INTERVAL_MS = 60_000;

const optionsSchema = z
  .object({
    lookup: z.custom<RequireAPIKeyOptions['lookup']>(isFunction, { message: 'must be a function (head, req) => record(s)' }),
    onLegacyHash: z.custom<NonNullable<RequireAPIKeyOptions['onLegacyHash']>>(isFunction, { message: 'must be a function' }).optional(),
    manager: z.instanceof(APIKeyManager, { message: 'must be an APIKeyManager' }).optional(),
    header: z.string().regex(HEADER_NAME, { message: 'must be a valid header name' }).default('X-API-Key'),
    maxCandidates: z.number().int().min(1).max(100).default(10),
  })
  .strict();

const log = getLogger('api-key');

/** The 401s and the 503 of one middleware (the challenge names its header). */
function failures(header: string) {
  const headerChallenge = apiKeyChallenge(header);
  let busyLoggedAtMs = Number.NEGATIVE_INFINITY;
  return {
    // RFC 6750 §3.1: no error code when the key is missing.
    missing: (): HttpError =>
      new HttpError(401, 'API key is missing', { code: 'ERR_API_KEY_MISSING', headers: { 'WWW-Authenticate': headerChallenge } }),
    invalid: (source: APIKeySource): HttpError =>
      new HttpError(401, 'Invalid API key', {
        code: 'ERR_API_KEY_INVALID',
        headers: { 'WWW-Authenticate': source === 'bearer' ? bearerChallenge('invalid_token') : headerChallenge },
      }),
    busy: (cause: unknown): HttpError => {
      // Logged here at most once a minute, so errorHandler does not log every refused request.
      if (Date.now() - busyLoggedAtMs >= BUSY_LOG_INTERVAL_MS) {
        busyLoggedAtMs = Date.now();
        log.warn('API key hashing saturated; answering 503 until slots free', { code: 'ERR_API_KEY_BUSY' });
      }
      return new HttpError(503, 'API key verification is busy, retry shortly', {
        code: 'ERR_API_KEY_BUSY',
        expose: true,
        reported: true,
        cause,
        headers: { 'Retry-After': String(BUSY_RETRY_AFTER_SECONDS) },
      });
    },
  };
}

/**
 * Middleware accepting requests that carry a valid API key (`X-API-Key: agpt_…` or
 * `Authorization: Bearer agpt_…`) and setting `req.apiKey` to its record. Missing or
 * invalid keys get 401 (`ERR_API_KEY_MISSING` / `ERR_API_KEY_INVALID`) with a
 * `WWW-Authenticate` challenge; saturated key hashing gets 503 `ERR_API_KEY_BUSY` with
 * `Retry-After`. Documented in OpenAPI as the `APIKeyHeader` scheme.
 *
 * @example
 * ```ts
 * app.use('/v1', requireApiKey({ lookup: (head) => db.apiKeys.findMany({ where: { head, revoked: false } }) }))
 * app.get('/v1/me', (req, res) => res.json({ owner: req.apiKey?.userId }))
 * ```
 */
export function requireApiKey<R extends StoredAPIKey>(options: RequireAPIKeyOptions<R>): RequestHandler {
  const parsed = parseOptions(optionsSchema, options, 'requireApiKey options');
  const manager = parsed.manager ?? new APIKeyManager();
  const headerName = parsed.header.toLowerCase();
  const { lookup, onLegacyHash } = options;
  const { maxCandidates } = parsed;
  const fail = failures(parsed.header);

  async function rehashLegacy(record: R, key: string, req: Request): Promise<void> {
    if (!onLegacyHash || !manager.needsRehash(record.salt)) return;
    try {
      await onLegacyHash(record, key, req);
    } catch (error) {
      // The hook's own message could quote the key: mask it before logging.
      const message = String(error).split(key).join(manager.mask(key));
      log.warn('onLegacyHash failed; the key stays on its legacy hash until the next use', { error: message, head: manager.head(key) });
    }
  }

  async function verified(key: string, candidates: R[]): Promise<R | undefined> {
    for (const record of candidates) {
      if (!record || typeof record !== 'object') continue;
      try {
        if (await manager.verify(key, record.hash, record.salt)) return record;
      } catch (error) {
        if (isKitError(error) && error.code === 'ERR_API_KEY_BUSY') throw fail.busy(error);
        throw error;
      }
    }
    return undefined;
  }

  const middleware = asyncMiddleware('requireApiKey', async function requireApiKey(req, _res, next) {
    const found = extractApiKey(req.headers, headerName, manager.prefix);
    if (!found) throw fail.missing();
    const { key, source } = found;
    if (!manager.isPlausible(key)) throw fail.invalid(source);
    const records = await lookup(manager.head(key), req);
    const candidates = (Array.isArray(records) ? records : records ? [records] : []).slice(0, maxCandidates);
    const record = await verified(key, candidates);
    if (!record) throw fail.invalid(source);
    await rehashLegacy(record, key, req);
    settleShape(req); // lib/http/object-shape.ts
    req.apiKey = record as unknown as StoredAPIKey & Record<string, unknown>;
    next();
  });
  return withOpenApiMetadata(middleware, { security: [{ [API_KEY_SCHEME]: [] }], unauthorized: true });
}
