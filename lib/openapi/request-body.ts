/**
 * `request.body` of a route, in either shape its users write: the kit's short form (a zod
 * schema, sent as `application/json`) or zod-to-openapi's own `ZodRequestBody`
 * (`{ description?, required?, content: { '<media type>': { schema, example?, … } } }`), which
 * also opens other media types. Both become one list of media types, each with its parser and
 * the zod schema that validates it; anything else is refused when the route is declared.
 */
import type { ZodRequestBody } from '@asteasolutions/zod-to-openapi';
import express, { type RequestHandler } from 'express';
import { ConfigError } from '../config/settings.js';
import { multipartParser, type MultipartLimits } from './multipart.js';
import type { z } from 'zod';

/** One accepted media type of a body. */
export interface BodyMediaType {
  /** As written in `content` (`application/json`, `text/plain`, `application/*+json`, …). */
  type: string;
  schema: z.ZodType;
}

/** A route's body, normalised. */
export interface RouteBody {
  media: BodyMediaType[];
  required: boolean;
  /** The `request.body` written to the registry: plain media objects with the zod schemas. */
  document: ZodRequestBody;
}

const ISSUE = (variable: string, message: string): never => {
  throw new ConfigError([{ variable, message }], 'API route');
};

const MEDIA_TYPE = /^[\w.+*-]+\/[\w.+*-]+$/;

/** True for a zod schema (zod 4 classic or mini: both carry `_zod`). */
export function isZodSchema(value: unknown): value is z.ZodType {
  return value !== null && typeof value === 'object' && '_zod' in value && typeof (value as { safeParse?: unknown }).safeParse === 'function';
}

function isRequired(schema: z.ZodType): boolean {
  try {
    return !schema.safeParse(undefined).success;
  } catch {
    return true; // async refinements: a body is needed to know, so call it required
  }
}

function mediaEntries(content: unknown): [string, Record<string, unknown>][] {
  if (content === null || typeof content !== 'object' || Array.isArray(content) || Object.keys(content).length === 0) {
    ISSUE('request.body.content', "must map at least one media type to { schema }, e.g. { 'application/json': { schema } }");
  }
  return Object.entries(content as Record<string, unknown>).map(([type, media]) => {
    if (!MEDIA_TYPE.test(type)) ISSUE(`request.body.content[${JSON.stringify(type)}]`, 'is not a media type (type/subtype)');
    if (media === null || typeof media !== 'object' || !isZodSchema((media as { schema?: unknown }).schema)) {
      ISSUE(`request.body.content[${JSON.stringify(type)}].schema`, 'must be a zod schema (the router validates the body with it)');
    }
    return [type.toLowerCase(), media as Record<string, unknown>];
  });
}

/**
 * Normalises `request.body` (and the kit's `bodyDescription`); `undefined` when the route
 * declares no body. Throws `ConfigError` for any other shape.
 */
export function normaliseRequestBody(body: unknown, bodyDescription: string | undefined): RouteBody | undefined {
  if (body === undefined) return undefined;
  if (isZodSchema(body)) {
    const required = isRequired(body);
    const description = bodyDescription !== undefined ? { description: bodyDescription } : {};
    return { media: [{ type: 'application/json', schema: body }], required, document: { ...description, required, content: { 'application/json': { schema: body } } } };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !('content' in body)) {
    ISSUE('request.body', "must be a zod schema or zod-to-openapi's { content: { 'application/json': { schema } } }");
  }
  const { content, description, required, ...rest } = body as { content?: unknown; description?: unknown; required?: unknown };
  const unknownKeys = Object.keys(rest);
  if (unknownKeys.length > 0) ISSUE('request.body', `has unknown keys: ${unknownKeys.join(', ')} (allowed: content, description, required)`);
  if (description !== undefined && typeof description !== 'string') ISSUE('request.body.description', 'must be a string');
  if (required !== undefined && typeof required !== 'boolean') ISSUE('request.body.required', 'must be a boolean');
  const entries = mediaEntries(content);
  const media = entries.map(([type, entry]) => ({ type, schema: entry.schema as z.ZodType }));
  const isRequiredBody = (required as boolean | undefined) ?? media.some((entry) => isRequired(entry.schema));
  const text = (description as string | undefined) ?? bodyDescription;
  return {
    media,
    required: isRequiredBody,
    document: { ...(text !== undefined ? { description: text } : {}), required: isRequiredBody, content: Object.fromEntries(entries.map(([type, entry]) => [type, { ...entry }])) },
  };
}

const isJsonType = (type: string): boolean => type === 'application/json' || type.endsWith('+json');

/**
 * The parser for one media type: JSON (`application/json`, `…+json`), urlencoded forms,
 * `multipart/form-data` (busboy, within `multipartLimits`), `text/*` as a string, anything
 * else as a Buffer. Each parses only its own type, and none parses twice (an app-level
 * `express.json()` that ran first wins).
 */
export function bodyParserFor(type: string, limit: string | number, multipartLimits?: MultipartLimits): RequestHandler {
  if (isJsonType(type)) return express.json({ type, limit });
  if (type === 'multipart/form-data') return multipartParser(multipartLimits);
  if (type === 'application/x-www-form-urlencoded') return express.urlencoded({ type, limit, extended: false });
  if (type.startsWith('text/')) return express.text({ type, limit });
  return express.raw({ type, limit });
}
