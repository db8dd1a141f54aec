/**
 * Response validation: the JSON a route handler sends is checked against the zod schema its
 * `responses` document for the status sent. `strip` sends the schema's output (undocumented
 * fields removed: a handler returning `{ id, passwordHash }` against `{ id }` sends `{ id }`);
 * `error` also treats an undocumented field as a mismatch. A body the schema rejects is never
 * sent: the route answers 500 `ERR_RESPONSE_INVALID`, logged once with the issues.
 */
import type { NextFunction, Response } from 'express';
import { HttpError } from '../errors/http-error.js';
import { issuesFromZod } from '../errors/validation-issue.js';
import type { z } from 'zod';
import { isZodSchema } from './request-body.js';
import type { ApiResponse } from './route-types.js';

/** What a route does with the JSON its handler sends. */
export type ResponseValidationMode = 'strip' | 'error' | 'off';

/** Default of `responseValidation` (see docs/openapi.md, "Response validation"). */
export const DEFAULT_RESPONSE_VALIDATION: ResponseValidationMode = 'strip';

export const RESPONSE_VALIDATION_MODES: readonly ResponseValidationMode[] = ['strip', 'error', 'off'];

/** The JSON schema of each documented status (`200`, `2XX`, `default`) of one route. */
export interface ResponseSchemas {
  mode: Exclude<ResponseValidationMode, 'off'>;
  /** Route label for the log line (`GET /users/{id}`). */
  label: string;
  byStatus: Map<string, z.ZodType>;
}

const isJsonType = (type: string): boolean => {
  const base = type.split(';')[0]!.trim().toLowerCase();
  return base === 'application/json' || base.endsWith('+json');
};

function jsonSchemaOf(response: ApiResponse | undefined): z.ZodType | undefined {
  const content = (response as { content?: Record<string, { schema?: unknown }> } | undefined)?.content;
  if (content === undefined || content === null || typeof content !== 'object') return undefined;
  for (const [type, media] of Object.entries(content)) {
    if (isJsonType(type) && isZodSchema(media?.schema)) return media.schema;
  }
  return undefined;
}

/** The schemas to check against, or `undefined` when nothing is checked (mode `off`, no zod JSON response). */
export function responseSchemasOf(responses: Record<string, ApiResponse>, mode: ResponseValidationMode, label: string): ResponseSchemas | undefined {
  if (mode === 'off') return undefined;
  const byStatus = new Map<string, z.ZodType>();
  for (const [status, response] of Object.entries(responses)) {
    const schema = jsonSchemaOf(response);
    if (schema !== undefined) byStatus.set(status.toUpperCase(), schema);
  }
  return byStatus.size === 0 ? undefined : { mode, label, byStatus };
}

function schemaFor(schemas: ResponseSchemas, status: number): z.ZodType | undefined {
  const exact = String(status);
  return schemas.byStatus.get(exact) ?? schemas.byStatus.get(`${exact[0]}XX`) ?? schemas.byStatus.get('DEFAULT');
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);

/**
 * Paths of fields the handler sent that the parsed output dropped (zod strips unknown keys
 * silently). Walks input and output side by side, so it costs one pass and only in `error` mode.
 */
export function undocumentedFields(input: unknown, output: unknown, path = '', found: string[] = [], depth = 0): string[] {
  if (depth > 64 || found.length >= 20) return found;
  if (Array.isArray(input) && Array.isArray(output)) {
    for (let index = 0; index < input.length; index += 1) undocumentedFields(input[index], output[index], path === '' ? String(index) : `${path}.${index}`, found, depth + 1);
  } else if (isPlainObject(input) && isPlainObject(output)) {
    for (const key of Object.keys(input)) {
      const child = path === '' ? key : `${path}.${key}`;
      if (input[key] === undefined) continue; // JSON drops it anyway
      if (!Object.hasOwn(output, key)) found.push(child);
      else undocumentedFields(input[key], output[key], child, found, depth + 1);
    }
  }
  return found;
}

function responseError(schemas: ResponseSchemas, status: number, problems: string[]): HttpError {
  // Paths and zod messages only: the values (which may be secrets) are never in the message.
  const message = `${schemas.label} ${status} response does not match its documented schema: ${problems.join('; ')}`;
  return new HttpError(500, message, { code: 'ERR_RESPONSE_INVALID', expose: false });
}

type ParseResult = { success: true; data: unknown } | { success: false; error: z.ZodError };

/**
 * The schema describes the wire. Values with a `toJSON` (a `Date` documented as a string, the
 * kit's `Secret` sending "********") fail against it as objects, so a failing body is tried
 * once more in its JSON form; a matching body (the common case) is never serialised twice.
 */
function parseWireBody(schema: z.ZodType, body: unknown): { result: ParseResult; input: unknown } {
  const result = schema.safeParse(body) as ParseResult;
  if (result.success || body === null || typeof body !== 'object') return { result, input: body };
  let wire: unknown;
  try {
    wire = JSON.parse(JSON.stringify(body));
  } catch {
    return { result, input: body }; // not serialisable: res.json() would throw too
  }
  const retried = schema.safeParse(wire) as ParseResult;
  return retried.success ? { result: retried, input: wire } : { result, input: body };
}

/** The parsed body to send, or the error that replaces it. */
export function checkResponseBody(schemas: ResponseSchemas, status: number, body: unknown): { body: unknown } | { error: HttpError } {
  const schema = schemaFor(schemas, status);
  if (schema === undefined) return { body };
  let parsed: { result: ParseResult; input: unknown };
  try {
    parsed = parseWireBody(schema, body);
  } catch (err) {
    // async refinements cannot run inside a synchronous res.json(); a throwing one is a bug too
    return { error: new HttpError(500, `${schemas.label} ${status} response schema could not run synchronously`, { code: 'ERR_RESPONSE_INVALID', expose: false, cause: err }) };
  }
  const { result, input } = parsed;
  if (!result.success) {
    const issues = issuesFromZod('body', result.error).map((issue) => `${issue.path === '' ? '(body)' : issue.path}: ${issue.message}`);
    return { error: responseError(schemas, status, issues) };
  }
  if (schemas.mode === 'error') {
    const extra = undocumentedFields(input, result.data);
    if (extra.length > 0) return { error: responseError(schemas, status, extra.map((path) => `${path}: undocumented field`)) };
  }
  return { body: result.data };
}

/**
 * Makes `res.json()` (and `res.send(object)`, which calls it) check the body for the rest of
 * the handler; returns the function that removes the check (before the error handler runs,
 * so its `{detail}` bodies are never checked against the route's schemas).
 */
export function guardResponseJson(schemas: ResponseSchemas, res: Response, next: NextFunction): () => void {
  const original = res.json;
  const restore = (): void => {
    if (res.json === validatingJson) res.json = original;
  };
  function validatingJson(this: Response, body?: unknown): Response {
    restore(); // once: the error handler's own res.json() must not come back here
    const checked = checkResponseBody(schemas, res.statusCode, body);
    if ('error' in checked) {
      next(checked.error);
      return res;
    }
    return original.call(res, checked.body);
  }
  res.json = validatingJson as Response['json'];
  return restore;
}
