/**
 * Request validation against the zod schemas of a route, independent of Express: the router
 * hands over the raw parts and gets either the parsed values or a readable issue list.
 */
import type { z } from 'zod';
import { issuesFromZod, type ValidationIssue, type ValidationLocation } from '../errors/validation-issue.js';

/** Where a bad value was found (the kit-wide type, see lib/errors/validation-issue.ts). */
export type RequestLocation = ValidationLocation;

/** One readable validation problem, as rendered in the 400 response `detail` list. */
export type RequestValidationIssue = ValidationIssue;

/** The zod schemas of a route's request parts. */
export interface RequestSchemas {
  params?: z.ZodType | undefined;
  query?: z.ZodType | undefined;
  headers?: z.ZodType | undefined;
  body?: z.ZodType | undefined;
}

/** Raw request parts as Express exposes them. */
export interface RawRequestParts {
  params: unknown;
  query: unknown;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export type ValidationOutcome =
  | { ok: true; values: Partial<Record<RequestLocation, unknown>> }
  | { ok: false; issues: RequestValidationIssue[] };

const LOCATIONS: readonly RequestLocation[] = ['params', 'query', 'headers', 'body'];

/** Turns a zod error into readable issues for one request part. */
export function formatValidationIssues(location: RequestLocation, error: z.ZodError): RequestValidationIssue[] {
  return issuesFromZod(location, error);
}

/**
 * Header schemas name headers as documented (`X-Request-Id`); Node lower-cases incoming
 * names. Pick each declared header case-insensitively so both spellings work.
 */
function headerInput(schema: z.ZodType, headers: RawRequestParts['headers']): Record<string, unknown> {
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  if (shape === undefined || shape === null || typeof shape !== 'object') return { ...headers };
  const picked: Record<string, unknown> = {};
  for (const name of Object.keys(shape)) picked[name] = headers[name.toLowerCase()];
  return picked;
}

type PartResult = { success: true; data: unknown } | { success: false; error: z.ZodError };

// zod throws this (a `$ZodAsyncError`) when a schema has async refinements or transforms.
const needsAsync = (error: unknown): boolean => error instanceof Error && error.message.startsWith('Encountered Promise during synchronous parse');

function collect(results: [RequestLocation, PartResult][]): ValidationOutcome {
  const values: Partial<Record<RequestLocation, unknown>> = {};
  const issues: RequestValidationIssue[] = [];
  for (const [location, result] of results) {
    if (result.success) values[location] = result.data;
    else issues.push(...formatValidationIssues(location, result.error));
  }
  return issues.length === 0 ? { ok: true, values } : { ok: false, issues };
}

/**
 * Validates every part that has a schema; all issues of all parts are reported together.
 * Synchronous when every schema is (the common case, no promise per request); schemas with
 * async refinements make it return a promise.
 */
export function validateRequestParts(schemas: RequestSchemas, raw: RawRequestParts): ValidationOutcome | Promise<ValidationOutcome> {
  const inputs: [RequestLocation, z.ZodType, unknown][] = [];
  for (const location of LOCATIONS) {
    const schema = schemas[location];
    if (schema !== undefined) inputs.push([location, schema, location === 'headers' ? headerInput(schema, raw.headers) : raw[location]]);
  }
  try {
    return collect(inputs.map(([location, schema, input]) => [location, schema.safeParse(input) as PartResult]));
  } catch (error) {
    if (!needsAsync(error)) throw error;
  }
  return Promise.all(inputs.map(async ([location, schema, input]) => [location, (await schema.safeParseAsync(input)) as PartResult] as [RequestLocation, PartResult])).then(collect);
}
