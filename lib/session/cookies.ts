/**
 * The session cookie: a small, defensive `Cookie` header reader and the Set-Cookie helpers
 * (HttpOnly, Secure and Domain from the settings, SameSite=Lax by default).
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { ConfigError, parseOptions, type KnownOptions } from '../config/settings.js';
import type { Env } from '../config/env.js';
import { loadSessionSettings } from './settings.js';

/** Cookie attributes of the session cookie. */
export interface SessionCookieOptions {
  /** Cookie name. Default `session`. */
  cookieName?: string;
  /** `Domain` attribute. Default env `AUTH_COOKIE_DOMAIN` (unset: host-only). */
  domain?: string;
  /** `Secure` attribute. Default env `AUTH_COOKIE_SECURE` (true). */
  secure?: boolean;
  /** `SameSite` attribute. Default `lax`. */
  sameSite?: 'lax' | 'strict' | 'none';
  /** `Path` attribute. Default `/`. */
  path?: string;
  /** `Max-Age` in seconds; unset = a browser-session cookie (the server enforces expiry). */
  maxAgeSeconds?: number;
  /** Environment for the defaults (tests). */
  env?: Env;
}

/** Cookie options with every default applied. */
export interface ResolvedSessionCookie {
  cookieName: string;
  domain: string | undefined;
  secure: boolean;
  sameSite: 'lax' | 'strict' | 'none';
  path: string;
  maxAgeSeconds: number | undefined;
}

// RFC 6265 cookie-name is an RFC 7230 token.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const cookieSchema = z
  .object({
    cookieName: z.string().regex(TOKEN, { message: 'must be a valid cookie name (RFC 6265 token)' }).default('session'),
    domain: z.string().regex(/^\.?[A-Za-z0-9.-]+$/, { message: 'must be a domain name' }).optional(),
    secure: z.boolean().optional(),
    sameSite: z.enum(['lax', 'strict', 'none']).default('lax'),
    path: z.string().regex(/^\/[^\s;,]*$/, { message: 'must start with / and contain no spaces, ; or ,' }).default('/'),
    maxAgeSeconds: z.number().int().min(1).max(400 * 86_400).optional(),
    env: z.record(z.string(), z.string().optional()).optional(),
  });
const KNOWN: KnownOptions<SessionCookieOptions> = { cookieName: true, domain: true, secure: true, sameSite: true, path: true, maxAgeSeconds: true, env: true };

/**
 * Applies defaults (settings from the environment) and validates; throws `ConfigError`.
 * Resolve once at startup and use {@link writeSessionCookie} per request.
 *
 * @example
 * ```ts
 * const cookie = resolveSessionCookie({ cookieName: 'sid', sameSite: 'strict' })
 * ```
 */
export function resolveSessionCookie(options: SessionCookieOptions = {}): ResolvedSessionCookie {
  const parsed = parseOptions(cookieSchema, options, 'session cookie options', KNOWN);
  const needsSettings = parsed.domain === undefined || parsed.secure === undefined;
  const settings = needsSettings ? loadSessionSettings(parsed.env) : undefined;
  const resolved: ResolvedSessionCookie = {
    cookieName: parsed.cookieName,
    domain: parsed.domain ?? settings?.cookieDomain,
    secure: parsed.secure ?? settings?.cookieSecure ?? true,
    sameSite: parsed.sameSite,
    path: parsed.path,
    maxAgeSeconds: parsed.maxAgeSeconds,
  };
  if (resolved.sameSite === 'none' && !resolved.secure) {
    throw new ConfigError([{ variable: 'sameSite', message: 'SameSite=None requires Secure (browsers reject it otherwise)' }], 'session cookie options');
  }
  return resolved;
}

const MAX_COOKIE_HEADER = 16_384;

/**
 * The value of cookie `name` in a `Cookie` header, or undefined. Never throws: oversized
 * headers, bad percent-encoding and odd spacing give undefined or the raw value.
 *
 * @example
 * ```ts
 * readCookie('theme=dark; session=abc', 'session') // 'abc'
 * ```
 */
export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_COOKIE_HEADER) return undefined;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!value.includes('%')) return value;
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

function cookieAttributes(cookie: ResolvedSessionCookie) {
  return {
    httpOnly: true,
    secure: cookie.secure,
    sameSite: cookie.sameSite,
    path: cookie.path,
    ...(cookie.domain ? { domain: cookie.domain } : {}),
  } as const;
}

/**
 * Sets the session cookie with options resolved once (see {@link setSessionCookie}).
 *
 * @example
 * ```ts
 * const cookie = resolveSessionCookie(); writeSessionCookie(res, id, cookie)
 * ```
 */
export function writeSessionCookie(res: Response, id: string, cookie: ResolvedSessionCookie): void {
  res.cookie(cookie.cookieName, id, {
    ...cookieAttributes(cookie),
    ...(cookie.maxAgeSeconds ? { maxAge: cookie.maxAgeSeconds * 1000 } : {}),
  });
}

/**
 * Expires the session cookie with resolved options (same Domain and Path, or browsers keep it).
 *
 * @example
 * ```ts
 * eraseSessionCookie(res, resolveSessionCookie())
 * ```
 */
export function eraseSessionCookie(res: Response, cookie: ResolvedSessionCookie): void {
  res.clearCookie(cookie.cookieName, cookieAttributes(cookie));
}

/**
 * Sets the session cookie: `HttpOnly`, `Secure` (env `AUTH_COOKIE_SECURE`, default true),
 * `Domain` (env `AUTH_COOKIE_DOMAIN`), `SameSite=Lax`, `Path=/`.
 *
 * @example
 * ```ts
 * const id = await sessions.create(user.id, { ip: req.ip, userAgent: req.get('user-agent') })
 * setSessionCookie(res, id)
 * ```
 */
export function setSessionCookie(res: Response, id: string, options: SessionCookieOptions = {}): void {
  writeSessionCookie(res, id, resolveSessionCookie(options));
}

/**
 * Clears the session cookie (pass the same options as when it was set).
 *
 * @example
 * ```ts
 * await sessions.destroy(readSessionId(req)); clearSessionCookie(res)
 * ```
 */
export function clearSessionCookie(res: Response, options: SessionCookieOptions = {}): void {
  eraseSessionCookie(res, resolveSessionCookie(options));
}

/**
 * The session id a request carries: cookie `cookieName` first, then header `header` if given.
 *
 * @example
 * ```ts
 * app.post('/logout', async (req, res) => { await sessions.destroy(readSessionId(req)); clearSessionCookie(res); res.sendStatus(204) })
 * ```
 */
export function readSessionId(req: Request, options: { cookieName?: string; header?: string } = {}): string | undefined {
  const fromCookie = readCookie(req.headers.cookie, options.cookieName ?? 'session');
  if (fromCookie) return fromCookie;
  if (!options.header) return undefined;
  const value = req.headers[options.header.toLowerCase()];
  const text = Array.isArray(value) ? value[0] : value;
  return text ? text.trim() : undefined;
}
