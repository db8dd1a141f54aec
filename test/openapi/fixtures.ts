/**
 * Test middlewares carrying OpenAPI metadata, independent of lib/auth and lib/rate-limit:
 * they behave like the real ones (401 without a token, 403 for non-admins, 429 past a
 * limit) so runtime/document agreement can be checked in isolation.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError } from '../../lib/errors/index.js';
import { API_KEY_SCHEME, BEARER_JWT_SCHEME, withOpenApiMetadata, type OpenApiDocument } from '../../lib/openapi/index.js';

export const USER_TOKEN = 'user-token';
export const ADMIN_TOKEN = 'admin-token';
export const API_KEY = 'agpt_test_key';

function bearer(req: Request): string | undefined {
  const header = req.headers.authorization ?? '';
  return header.startsWith('Bearer ') ? header.slice(7) : undefined;
}

export function testRequireUser(): RequestHandler {
  return withOpenApiMetadata(
    function testRequireUser(req: Request, _res: Response, next: NextFunction) {
      const token = bearer(req);
      if (token !== USER_TOKEN && token !== ADMIN_TOKEN) return next(new HttpError(401, 'Not authenticated', { headers: { 'WWW-Authenticate': 'Bearer' } }));
      next();
    },
    { security: [{ [BEARER_JWT_SCHEME]: [] }], unauthorized: true },
  );
}

export function testRequireAdmin(): RequestHandler {
  return withOpenApiMetadata(
    function testRequireAdmin(req: Request, _res: Response, next: NextFunction) {
      const token = bearer(req);
      if (token === undefined || (token !== USER_TOKEN && token !== ADMIN_TOKEN)) return next(new HttpError(401, 'Not authenticated'));
      if (token !== ADMIN_TOKEN) return next(new HttpError(403, 'Admin access required'));
      next();
    },
    { security: [{ [BEARER_JWT_SCHEME]: [] }], unauthorized: true, forbidden: 'Admin access required' },
  );
}

export function testOptionalUser(): RequestHandler {
  return withOpenApiMetadata(function testOptionalUser(_req: Request, _res: Response, next: NextFunction) {
    next();
  }, { security: [{ [BEARER_JWT_SCHEME]: [] }, {}] });
}

export function testRequireApiKey(): RequestHandler {
  return withOpenApiMetadata(
    function testRequireApiKey(req: Request, _res: Response, next: NextFunction) {
      if (req.headers['x-api-key'] !== API_KEY) return next(new HttpError(401, 'Invalid API key'));
      next();
    },
    { security: [{ [API_KEY_SCHEME]: [] }], unauthorized: true },
  );
}

/** A fixed-window counter per process: enough to produce real 429s. */
export function testRateLimit(limit: number, windowMs = 60_000): RequestHandler & { reset(): void } {
  let count = 0;
  const handler = withOpenApiMetadata(
    function testRateLimit(_req: Request, res: Response, next: NextFunction) {
      count += 1;
      res.setHeader('X-RateLimit-Limit', String(limit));
      res.setHeader('X-RateLimit-Remaining', String(Math.max(0, limit - count)));
      if (count > limit) return next(new HttpError(429, 'Too many requests', { headers: { 'Retry-After': '60' }, code: 'ERR_RATE_LIMITED' }));
      next();
    },
    { rateLimit: { limit, windowMs, algorithm: 'fixed-window' } },
  );
  return Object.assign(handler, { reset: () => void (count = 0) });
}

/** Validates a copy (swagger-parser dereferences in place) and returns the errors, if any. */
export async function validateDocument(document: OpenApiDocument): Promise<void> {
  await SwaggerParser.validate(structuredClone(document) as never);
}

/** Status codes a document lists for one operation. */
export function documentedStatuses(document: OpenApiDocument, path: string, method: string): string[] {
  const operation = document.paths?.[path]?.[method] as { responses?: Record<string, unknown> } | undefined;
  if (operation === undefined) throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
  return Object.keys(operation.responses ?? {});
}
