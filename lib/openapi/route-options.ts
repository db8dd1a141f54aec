/**
 * The checks `route({...})` runs when a route is declared: a mistake in a definition is a
 * `ConfigError` at startup, never a 500 on every request.
 */
import type { RequestHandler } from 'express';
import { ConfigError } from '../config/settings.js';
import { DEFAULT_MAX_BODY_DEPTH } from './body-depth.js';
import { badMultipartLimits, DEFAULT_MULTIPART_LIMITS } from './multipart.js';
import { isZodSchema } from './request-body.js';
import { RESPONSE_VALIDATION_MODES } from './response-validation.js';
import type { ApiParameterSchema, ApiRouteMethod, ApiRouteOptions } from './route-types.js';
import { z } from './zod.js';

export const ROUTE_METHODS: readonly ApiRouteMethod[] = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

const REQUEST_KEYS = new Set(['params', 'query', 'headers', 'body', 'bodyDescription']);

export function fail(variable: string, message: string): never {
  throw new ConfigError([{ variable, message }], 'API route');
}

/** A single middleware or a list, as an array of functions. */
export function middlewareList(value: unknown, variable: string): RequestHandler[] {
  const list = value === undefined ? [] : Array.isArray(value) ? [...value] : [value];
  list.forEach((handler, index) => {
    if (typeof handler !== 'function') fail(`${variable}[${index}]`, 'must be a function');
  });
  return list as RequestHandler[];
}

/** Checks the top-level options; returns the route's middleware list. */
export function checkRouteOptions(options: ApiRouteOptions<any, any, any, any>): RequestHandler[] {
  if (options === null || typeof options !== 'object') fail('options', 'must be an object');
  if (!ROUTE_METHODS.includes(options.method)) fail('method', `must be one of ${ROUTE_METHODS.join(', ')}`);
  if (typeof options.summary !== 'string' || options.summary.trim() === '') fail('summary', 'must be a non-empty string');
  if (options.tags !== undefined && (!Array.isArray(options.tags) || options.tags.some((tag) => typeof tag !== 'string'))) fail('tags', 'must be an array of strings');
  if (options.responses === null || typeof options.responses !== 'object' || Object.keys(options.responses).length === 0) {
    fail('responses', 'must document at least one response, e.g. { 200: jsonResponse(schema, "OK") }');
  }
  if (typeof options.handler !== 'function') fail('handler', 'must be a function');
  const depth = options.maxBodyDepth;
  if (depth !== undefined && (!Number.isInteger(depth) || depth < 1)) fail('maxBodyDepth', 'must be a positive integer');
  const badLimit = badMultipartLimits(options.multipartLimits)[0];
  if (badLimit !== undefined) fail(badLimit, `must be a positive integer (one of ${Object.keys(DEFAULT_MULTIPART_LIMITS).join(', ')})`);
  const mode = options.responseValidation;
  if (mode !== undefined && !RESPONSE_VALIDATION_MODES.includes(mode)) fail('responseValidation', `must be one of ${RESPONSE_VALIDATION_MODES.join(', ')}`);
  return middlewareList(options.middleware, 'middleware');
}

/** Maximum body depth of a route. */
export const maxBodyDepthOf = (options: ApiRouteOptions<any, any, any, any>): number => options.maxBodyDepth ?? DEFAULT_MAX_BODY_DEPTH;

function shapeKeys(schema: ApiParameterSchema): string[] | undefined {
  const candidate = schema as unknown as { shape?: unknown; in?: { shape?: unknown } };
  const shape = candidate.shape ?? candidate.in?.shape;
  return shape !== null && typeof shape === 'object' ? Object.keys(shape) : undefined;
}

/** Checks `request`'s keys and its params/query/headers schemas. */
export function checkRequest(request: unknown): void {
  if (request === undefined) return;
  if (request === null || typeof request !== 'object' || Array.isArray(request)) fail('request', 'must be an object');
  for (const [key, value] of Object.entries(request)) {
    if (!REQUEST_KEYS.has(key)) fail(`request.${key}`, `is not supported (use ${[...REQUEST_KEYS].join(', ')})`);
    if ((key === 'params' || key === 'query' || key === 'headers') && value !== undefined && !isZodSchema(value)) {
      fail(`request.${key}`, 'must be a zod object schema, e.g. z.object({ id: z.string() })');
    }
    if (key === 'bodyDescription' && value !== undefined && typeof value !== 'string') fail('request.bodyDescription', 'must be a string');
  }
}

/** The params schema: the declared one (checked against the path) or strings for every `:param`. */
export function paramsSchema(declared: ApiParameterSchema | undefined, paramNames: string[], path: string): ApiParameterSchema | undefined {
  if (declared === undefined) {
    return paramNames.length > 0 ? z.object(Object.fromEntries(paramNames.map((name) => [name, z.string()]))) : undefined;
  }
  const keys = shapeKeys(declared);
  if (keys !== undefined) {
    const missing = paramNames.filter((name) => !keys.includes(name));
    const extra = keys.filter((name) => !paramNames.includes(name));
    if (missing.length > 0 || extra.length > 0) {
      fail('request.params', `must name exactly the path parameters of ${path} (${[...missing.map((n) => `missing ${n}`), ...extra.map((n) => `not in path: ${n}`)].join(', ')})`);
    }
  }
  return declared;
}
