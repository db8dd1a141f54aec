/**
 * `requireApiKey()`: the Express glue. Finds the key in the request, looks its head up
 * through the app's function, verifies it against each candidate's hash, and answers 401
 * with a `WWW-Authenticate` challenge when that fails.
 */
import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import { parseOptions } from '../config/settings.js';
import { HttpError } from '../errors/http-error.js';
import { getLogger } from '../logging/logger.js';
import { API_KEY_SCHEME, withOpenApiMetadata } from '../openapi/metadata.js';
import { extractAPIKey, type APIKeySource } from './extract.js';
import { APIKeyManager } from './key-manager.js';

/** The fields `requireApiKey` needs from a stored key; the rest of the record is yours. */
export interface StoredAPIKey {
  /** scrypt hash (hex), or the legacy SHA-256 hash (hex) when `salt` is empty. */
  hash: string;
  /** Salt (hex); `null`/`undefined`/`''` for legacy SHA-256 hashes. */
  salt?: string | null;
}

declare global {
  namespace Express {
    interface Request {
      /** The record your `lookup` returned for the verified key (set by `requireApiKey()`). */
      apiKey?: StoredAPIKey & Record<string, unknown>;
    }
  }
}

export interface RequireApiKeyOptions<R extends StoredAPIKey = StoredAPIKey> {
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
  /** The manager (its prefix) keys are checked with. Default `new APIKeyManager()`. */
  manager?: APIKeyManager;
  /** Header carrying the key. Default `X-API-Key`. */
  header?: string;
  /** Most records verified per request (each costs one scrypt). Default 10. */
  maxCandidates?: number;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const isFunction = (value: unknown): boolean => typeof value === 'function';

const optionsSchema = z
  .object({
    lookup: z.custom<RequireApiKeyOptions['lookup']>(isFunction, { message: 'must be a function (head, req) => record(s)' }),
    onLegacyHash: z.custom<NonNullable<RequireApiKeyOptions['onLegacyHash']>>(isFunction, { message: 'must be a function' }).optional(),
    manager: z.instanceof(APIKeyManager, { message: 'must be an APIKeyManager' }).optional(),
    header: z.string().regex(HEADER_NAME, { message: 'must be a valid header name' }).default('X-API-Key'),
    maxCandidates: z.number().int().min(1).max(100).default(10),
  })
  .strict();

const log = getLogger('api-key');

/**
 * Middleware accepting requests that carry a valid API key (`X-API-Key: agpt_…` or
 * `Authorization: Bearer agpt_…`) and setting `req.apiKey` to its record. Missing or
 * invalid keys get 401 (`ERR_API_KEY_MISSING` / `ERR_API_KEY_INVALID`) with a
 * `WWW-Authenticate` challenge. Documented in OpenAPI as the `APIKeyHeader` scheme.
 *
 * @example
 * ```ts
 * app.use('/v1', requireApiKey({ lookup: (head) => db.apiKeys.findMany({ where: { head, revoked: false } }) }))
 * app.get('/v1/me', (req, res) => res.json({ owner: req.apiKey?.userId }))
 * ```
 */
export function requireApiKey<R extends StoredAPIKey>(options: RequireApiKeyOptions<R>): RequestHandler {
  const parsed = parseOptions(optionsSchema, options, 'requireApiKey options');
  const manager = parsed.manager ?? new APIKeyManager();
  const headerName = parsed.header.toLowerCase();
  const lookup = options.lookup;
  const onLegacyHash = options.onLegacyHash;
  const { maxCandidates } = parsed;
  // RFC 7235 §4.1: a 401 carries a challenge. No error code when the key is missing
  // (RFC 6750 §3.1); `invalid_token` when a bearer key is wrong.
  const headerChallenge = `APIKey header="${parsed.header}"`;
  const missing = (): HttpError =>
    new HttpError(401, 'API key is missing', { code: 'ERR_API_KEY_MISSING', headers: { 'WWW-Authenticate': headerChallenge } });
  const invalid = (source: APIKeySource): HttpError =>
    new HttpError(401, 'Invalid API key', {
      code: 'ERR_API_KEY_INVALID',
      headers: { 'WWW-Authenticate': source === 'bearer' ? 'Bearer error="invalid_token"' : headerChallenge },
    });

  async function authenticate(req: Request): Promise<unknown> {
    const found = extractAPIKey(req.headers, headerName, manager.prefix);
    if (!found) return missing();
    const { key, source } = found;
    if (!manager.isPlausible(key)) return invalid(source);
    let records: R | R[] | null | undefined;
    try {
      records = await lookup(manager.head(key), req);
    } catch (error) {
      return error ?? new Error('API key lookup failed');
    }
    const candidates = (Array.isArray(records) ? records : records ? [records] : []).slice(0, maxCandidates);
    for (const record of candidates) {
      if (!record || typeof record !== 'object') continue;
      if (!(await manager.verify(key, record.hash, record.salt))) continue;
      if (manager.needsRehash(record.salt) && onLegacyHash) {
        try {
          await onLegacyHash(record, key, req);
        } catch (error) {
          // The hook's own message could quote the key: mask it before logging.
          const message = String(error).split(key).join(manager.mask(key));
          log.warn('onLegacyHash failed; the key stays on its legacy hash until the next use', { error: message, head: manager.head(key) });
        }
      }
      req.apiKey = record as unknown as StoredAPIKey & Record<string, unknown>;
      return undefined;
    }
    return invalid(source);
  }

  const middleware: RequestHandler = function requireApiKey(req, _res, next) {
    authenticate(req).then(
      (error) => (error === undefined ? next() : next(error)),
      next,
    );
  };
  return withOpenApiMetadata(middleware, { security: [{ [API_KEY_SCHEME]: [] }], unauthorized: true });
}
