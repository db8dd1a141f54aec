/**
 * `multipart/form-data` bodies through busboy, held in memory within limits: fields become
 * strings, files become {@link UploadedFile}s (a name repeated becomes a list). Past a limit
 * the route answers 413 `ERR_PAYLOAD_TOO_LARGE`; a body busboy cannot read is the one 400 shape.
 */
import busboy from 'busboy';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { PAYLOAD_TOO_LARGE_MESSAGE } from '../errors/body-parser-errors.js';
import { HttpError } from '../errors/http-error.js';
import { validationError } from '../errors/validation-issue.js';
import { z } from './zod.js';

/** One uploaded file of a multipart body. */
export interface UploadedFile {
  /** The form field it was sent in. */
  fieldName: string;
  /** The client's file name (untrusted: never use it as a path). */
  filename: string;
  /** The part's Content-Type as the client sent it (untrusted). */
  mimeType: string;
  encoding: string;
  /** Bytes. */
  size: number;
  buffer: Buffer;
}

/** Limits of a multipart body (bytes and counts); past any of them → 413. */
export interface MultipartLimits {
  /** Bytes per file. Default 10 MiB. */
  fileSize?: number;
  /** Files per request. Default 10. */
  files?: number;
  /** Non-file fields per request. Default 100. */
  fields?: number;
  /** Bytes per field value. Default 100 KiB. */
  fieldSize?: number;
  /** Parts (files + fields) per request. Default 110. */
  parts?: number;
}

/** Defaults of `route({ multipartLimits })`. */
export const DEFAULT_MULTIPART_LIMITS: Readonly<Required<MultipartLimits>> = Object.freeze({
  fileSize: 10 * 1024 * 1024,
  files: 10,
  fields: 100,
  fieldSize: 100 * 1024,
  parts: 110,
});

const FILE_BRAND = Symbol.for('express-platform-kit.uploadedFile');

const isUploadedFile = (value: unknown): value is UploadedFile =>
  value !== null && typeof value === 'object' && (value as Record<symbol, unknown>)[FILE_BRAND] === true;

/**
 * The zod schema of one uploaded file in a `multipart/form-data` body, documented as
 * `{ type: 'string', format: 'binary' }`. Refine it for types or sizes.
 *
 * @example
 * ```ts
 * request: { body: { content: { 'multipart/form-data': { schema: z.object({
 *   title: z.string(), file: uploadedFile().refine((f) => f.mimeType === 'image/png', 'must be a PNG') }) } } } }
 * ```
 */
export function uploadedFile(): z.ZodType<UploadedFile> {
  return z.custom<UploadedFile>(isUploadedFile, { message: 'Expected a file' }).openapi({ type: 'string', format: 'binary' });
}

/** Checks `multipartLimits` when a route is declared; returns the field names that are wrong. */
export function badMultipartLimits(limits: unknown): string[] {
  if (limits === undefined) return [];
  if (limits === null || typeof limits !== 'object') return ['multipartLimits'];
  return Object.entries(limits as Record<string, unknown>)
    .filter(([key, value]) => !(key in DEFAULT_MULTIPART_LIMITS) || !Number.isInteger(value) || (value as number) < 1)
    .map(([key]) => `multipartLimits.${key}`);
}

const malformed = (cause?: unknown) => validationError([{ location: 'body', path: '', message: 'Malformed multipart body', code: 'invalid_multipart' }], cause === undefined ? {} : { cause });
const tooLarge = () => new HttpError(413, PAYLOAD_TOO_LARGE_MESSAGE, { code: 'ERR_PAYLOAD_TOO_LARGE' });

function addValue(values: Map<string, unknown>, name: string, value: unknown): void {
  const previous = values.get(name);
  if (previous === undefined) values.set(name, value);
  else if (Array.isArray(previous)) previous.push(value);
  else values.set(name, [previous, value]);
}

/** The parser of `multipart/form-data` bodies (other requests pass through untouched). */
export function multipartParser(limits: MultipartLimits = {}): RequestHandler {
  const bounds = { ...DEFAULT_MULTIPART_LIMITS, ...limits };
  return function parseMultipartBody(req: Request, _res: Response, next: NextFunction) {
    if (typeof req.is('multipart/form-data') !== 'string') return next();
    // Read already (an app-level multer, a proxy middleware): waiting for data would hang.
    if (req.readableEnded) return next();
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: bounds });
    } catch (err) {
      return next(malformed(err)); // no boundary, or a Content-Type busboy cannot read
    }
    const values = new Map<string, unknown>(); // a Map: a field named __proto__ stays data
    let settled = false;
    const fail = (err: HttpError): void => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      req.resume(); // drain the rest, so the answer reaches the client
      next(err);
    };
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (!settled) chunks.push(chunk);
      });
      stream.on('limit', () => fail(tooLarge()));
      stream.on('end', () => {
        if (settled || stream.truncated === true) return;
        const file = { fieldName: name, filename: info.filename ?? '', mimeType: info.mimeType, encoding: info.encoding, size, buffer: Buffer.concat(chunks) };
        addValue(values, name, Object.defineProperty(file, FILE_BRAND, { value: true }));
      });
    });
    parser.on('field', (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated) fail(tooLarge());
      else addValue(values, name, value);
    });
    for (const event of ['filesLimit', 'fieldsLimit', 'partsLimit'] as const) parser.on(event, () => fail(tooLarge()));
    parser.on('error', (err: unknown) => fail(malformed(err)));
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      req.body = Object.fromEntries(values);
      next();
    });
    req.pipe(parser);
  };
}
