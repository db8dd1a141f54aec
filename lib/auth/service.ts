/**
 * Machine-to-machine tokens: `requireService()` accepts tokens of a distinct audience (or of
 * a client-credentials grant) and puts the calling client on `req.service`. The two worlds do
 * not mix: a user token cannot pass `requireService()` (wrong audience, or not a
 * client-credentials grant), and a service token cannot pass `requireUser()` (wrong
 * audience, or refused as a client-credentials grant; see middleware.ts).
 */
import type { Request, RequestHandler } from 'express';
import type { JWTPayload } from 'jose';
import { ConfigError } from '../config/settings.js';
import { resolveEnv } from '../config/env.js';
import { asyncMiddleware } from '../http/async-middleware.js';
import { BEARER_JWT_SCHEME, withOpenApiMetadata } from '../openapi/metadata.js';
import { insufficientScopeError, invalidTokenError, missingCredentialsError } from './auth-errors.js';
import { isClientCredentialsToken, refuseRevoked } from './after-verification.js';
import { revocationHook } from './middleware.js';
import { resolveVerifier, type AuthMiddlewareOptions } from './resolve-verifier.js';
import { AUTH_SETTING_KEYS, isAuthSettings, loadAuthSettings, type AuthSettingsOverrides } from './settings.js';
import type { JwtVerifier } from './verifier.js';
import { tokenReader } from './token-source.js';

/** The calling client, on `req.service` after {@link requireService}. */
export interface ServiceIdentity {
  /** The client id: `azp`, else `client_id`, else `cid` (Okta), else `sub` (Auth0's `<id>@clients`). */
  readonly id: string;
  /** The verified payload. */
  readonly payload: JWTPayload;
}

/** Options of {@link requireService}: those of every auth middleware, plus the service audience. */
export interface RequireServiceOptions extends Omit<AuthMiddlewareOptions, 'audience'> {
  /** Audience(s) of service tokens. Default env `JWT_SERVICE_AUDIENCE` (comma-separated). Required. */
  audience?: string | string[];
  /**
   * Also require a client-credentials grant (`gty: "client-credentials"`, Auth0's marker). Needed
   * (and enforced) when the service audience is also a user audience (`JWT_AUDIENCE`).
   */
  requireClientCredentials?: boolean;
}

/** A request after {@link requireService}, typed without global declarations. */
export type ServiceRequest = Request & { service?: ServiceIdentity };

const SERVICE_BRAND = Symbol.for('express-platform-kit.ServiceIdentity');


function audiencesOf(value: unknown): string[] {
  const list = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : [];
  return list.filter((item): item is string => typeof item === 'string').map((item) => item.trim()).filter((item) => item !== '');
}

function serviceIdOf(payload: JWTPayload): string | undefined {
  for (const claim of ['azp', 'client_id', 'cid', 'sub']) {
    const value = payload[claim];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** Loaded settings as overrides, so the service audience can replace theirs (loaded settings are used as is). */
function asOverrides(settings: RequireServiceOptions['settings']): AuthSettingsOverrides | undefined {
  if (!isAuthSettings(settings)) return settings;
  const overrides: Record<string, unknown> = {};
  for (const key of AUTH_SETTING_KEYS) overrides[key] = settings[key as keyof typeof settings];
  return overrides as AuthSettingsOverrides;
}

/** The user audiences the same settings accept (undefined with an injected verifier). */
function userAudiences(options: RequireServiceOptions): readonly string[] | undefined {
  if (options.verifier !== undefined) return undefined;
  const { settings, env } = options;
  if (isAuthSettings(settings)) return settings.audience;
  const overrides: Record<string, unknown> = { ...(settings ?? {}) };
  for (const key of AUTH_SETTING_KEYS) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) overrides[key] = value;
  }
  delete overrides.audience;
  return loadAuthSettings(env, overrides as AuthSettingsOverrides).audience;
}

/** The verifier's verdict; anything but an HTTP error from an injected verifier is a rejected token. */
async function verifiedPayload(verifier: JwtVerifier, token: string): Promise<JWTPayload> {
  let payload: unknown;
  try {
    payload = await verifier.verify(token);
  } catch (err) {
    if (typeof (err as { status?: unknown })?.status === 'number') throw err;
    throw invalidTokenError('Invalid token: Token could not be verified', 'ERR_AUTH_TOKEN_INVALID', err);
  }
  if (typeof payload !== 'object' || payload === null) throw invalidTokenError('Invalid token: Token could not be verified');
  return payload as JWTPayload;
}

/**
 * The calling service of `req` (set by {@link requireService}), or undefined.
 *
 * @example
 * ```ts
 * const client = serviceOf(req)?.id
 * ```
 */
export function serviceOf(req: Request): ServiceIdentity | undefined {
  const service: unknown = (req as { service?: unknown }).service;
  return typeof service === 'object' && service !== null && (service as Record<symbol, unknown>)[SERVICE_BRAND] === true ? (service as ServiceIdentity) : undefined;
}

/**
 * Requires a service (machine-to-machine) token: verified for the service audience, and a
 * client-credentials grant when `requireClientCredentials` (or when the audience is shared
 * with user tokens). Sets `req.service` ({ id, payload }), not `req.user`. Takes every auth
 * middleware option (`verifier`, settings, `tokenFrom`, `getToken`, `isRevoked`). 401s as
 * `requireUser()`; a user token is 401 `Invalid token: Invalid audience` or 403 `Service token required`.
 *
 * @example
 * ```ts
 * app.post('/internal/jobs', requireService({ audience: 'https://api.example.com/internal' }), runJob)
 * ```
 */
export function requireService(options: RequireServiceOptions = {}): RequestHandler {
  const { audience, requireClientCredentials, ...rest } = options;
  const audiences = audiencesOf(audience ?? resolveEnv(options.env).JWT_SERVICE_AUDIENCE);
  const issues: { variable: string; message: string }[] = [];
  if (audiences.length === 0) issues.push({ variable: 'audience', message: 'service tokens need their own audience: set the audience option or JWT_SERVICE_AUDIENCE' });
  if (requireClientCredentials !== undefined && typeof requireClientCredentials !== 'boolean') issues.push({ variable: 'requireClientCredentials', message: 'must be a boolean' });
  if (issues.length > 0) throw new ConfigError(issues, 'requireService options');
  const shared = userAudiences(options)?.some((a) => audiences.includes(a)) ?? false;
  // A shared audience cannot tell a user token from a machine token: the grant must.
  const needGrant = requireClientCredentials === true || shared;
  const verifier = resolveVerifier(rest.verifier !== undefined ? rest : { ...rest, settings: asOverrides(rest.settings), audience: audiences }, 'requireService');
  const readToken = tokenReader(rest.tokenFrom, rest.getToken, 'requireService');
  const isRevoked = revocationHook(rest, 'requireService');
  const handler = asyncMiddleware('requireServiceMiddleware', async (req, _res, next) => {
    const token = await readToken(req);
    if (token === undefined) throw missingCredentialsError();
    const payload = await verifiedPayload(verifier, token);
    // An injected verifier checks its own audience: check the service audience here too.
    if (!audiencesOf(payload.aud).some((a) => audiences.includes(a))) throw invalidTokenError('Invalid token: Invalid audience');
    if (needGrant && !isClientCredentialsToken(payload)) throw insufficientScopeError('Service token required', 'ERR_AUTH_SERVICE_REQUIRED');
    const id = serviceIdOf(payload);
    if (id === undefined) throw invalidTokenError('Client ID not found in token', 'ERR_AUTH_USER_ID_MISSING');
    await refuseRevoked(isRevoked, payload, req);
    const service: ServiceIdentity = { id, payload };
    Object.defineProperty(service, SERVICE_BRAND, { value: true });
    (req as ServiceRequest).service = Object.freeze(service);
    next();
  });
  return withOpenApiMetadata(handler, { security: [{ [BEARER_JWT_SCHEME]: [] }], unauthorized: true, ...(needGrant ? { forbidden: 'Service token required' } : {}) });
}
