/**
 * Where an auth middleware finds the token: the `Authorization: Bearer` header (default), a
 * cookie, or the app's own `getToken(req)`. RFC 6750 §2: a client uses exactly one method per
 * request, so a token found in two configured places is a 400 `invalid_request`, not a guess
 * at which one the caller meant.
 */
import type { Request } from 'express';
import { ConfigError, type ConfigIssue } from '../config/settings.js';
import { HttpError } from '../errors/http-error.js';
import { bearerChallenge } from '../http/challenges.js';
import { bearerToken } from '../http/credentials.js';
import { readCookie } from '../session/cookies.js';
import { invalidTokenError } from './auth-errors.js';

/** Which places of a request may carry the token (`tokenFrom` option of the auth middlewares). */
export interface TokenFrom {
  /** `Authorization: Bearer <token>`. Default true. */
  header?: boolean;
  /** Name of a cookie holding the token (e.g. `access_token`). Default: no cookie. */
  cookie?: string;
}

/** The app's own token reader: the token, or undefined when the request carries none. */
export type GetToken = (req: Request) => string | undefined | Promise<string | undefined>;

/** Reads the token of a request: undefined when absent; throws the 400 for two tokens. */
export type TokenReader = (req: Request) => string | undefined | Promise<string | undefined>;

// RFC 6265 §4.1.1 cookie-name: an RFC 7230 token.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** 400 for a request carrying its token in more than one place (RFC 6750 §2, §3.1). */
export function ambiguousTokenError(): HttpError {
  const message = 'Token sent in more than one place';
  return new HttpError(400, message, {
    code: 'ERR_AUTH_TOKEN_AMBIGUOUS',
    headers: { 'WWW-Authenticate': bearerChallenge('invalid_request', message) },
  });
}

function checkTokenFrom(tokenFrom: unknown, getToken: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (getToken !== undefined && typeof getToken !== 'function') issues.push({ variable: 'getToken', message: 'must be a function (req) => string | undefined' });
  if (tokenFrom === undefined) return issues;
  if (getToken !== undefined) issues.push({ variable: 'tokenFrom', message: 'cannot be combined with getToken (getToken is then the only source)' });
  if (typeof tokenFrom !== 'object' || tokenFrom === null || Array.isArray(tokenFrom)) return [...issues, { variable: 'tokenFrom', message: 'must be { header?: boolean, cookie?: string }' }];
  const { header, cookie, ...rest } = tokenFrom as Record<string, unknown>;
  for (const key of Object.keys(rest)) issues.push({ variable: `tokenFrom.${key}`, message: 'is not an option (header, cookie)' });
  if (header !== undefined && typeof header !== 'boolean') issues.push({ variable: 'tokenFrom.header', message: 'must be a boolean' });
  if (cookie !== undefined && (typeof cookie !== 'string' || !COOKIE_NAME.test(cookie))) issues.push({ variable: 'tokenFrom.cookie', message: 'must be a cookie name (RFC 6265 token characters)' });
  if (header === false && cookie === undefined) issues.push({ variable: 'tokenFrom', message: 'turns off every source: keep the header or name a cookie' });
  return issues;
}

/** Wraps the app's reader: its failures are the caller's 401, never a 500. */
function appReader(getToken: GetToken): TokenReader {
  return async function readAppToken(req) {
    let token: unknown;
    try {
      token = await getToken(req);
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw invalidTokenError('Invalid token: Token could not be read', 'ERR_AUTH_TOKEN_INVALID', err);
    }
    return typeof token === 'string' && token.trim() !== '' ? token.trim() : undefined;
  };
}

/**
 * The token reader of one middleware factory (options checked at once: a `ConfigError`
 * names every bad field).
 */
export function tokenReader(tokenFrom: TokenFrom | undefined, getToken: GetToken | undefined, scope: string): TokenReader {
  const issues = checkTokenFrom(tokenFrom, getToken);
  if (issues.length > 0) throw new ConfigError(issues, `${scope} options`);
  if (getToken !== undefined) return appReader(getToken);
  const useHeader = tokenFrom?.header !== false;
  const cookie = tokenFrom?.cookie;
  if (cookie === undefined) return (req) => bearerToken(req.headers);
  return function readHeaderOrCookie(req) {
    const fromHeader = useHeader ? bearerToken(req.headers) : undefined;
    const raw = readCookie(req.headers.cookie, cookie)?.trim();
    const fromCookie = raw === '' ? undefined : raw;
    if (fromHeader !== undefined && fromCookie !== undefined) throw ambiguousTokenError();
    return fromHeader ?? fromCookie;
  };
}
