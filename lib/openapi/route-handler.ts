/**
 * The Express layer of a declared route: picks the body's media type, bounds its depth,
 * validates every request part, stores the parsed values on the request and runs the handler.
 * Every client-caused failure is the one 400 shape (`validationError`).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { validationError, type ValidationIssue } from '../errors/validation-issue.js';
import { exceedsDepth } from './body-depth.js';
import type { RouteBody } from './request-body.js';
import { guardResponseJson, type ResponseSchemas } from './response-validation.js';
import { validateRequestParts, type RequestSchemas, type ValidationOutcome } from './validation.js';

export type Handler = (req: Request, res: Response, next: NextFunction) => unknown;

/** What the route validates: params/query/headers schemas and its body, if any. */
export interface RouteValidation {
  params?: RequestSchemas['params'];
  query?: RequestSchemas['query'];
  headers?: RequestSchemas['headers'];
  body?: RouteBody;
  maxBodyDepth: number;
}

function runHandler(handler: Handler, req: Request, res: Response, next: NextFunction, responses: ResponseSchemas | undefined): void {
  let done = next;
  if (responses !== undefined) {
    const restore = guardResponseJson(responses, res, next);
    // Whatever the handler passes on (an error, or next() to a later route) is not its own response.
    done = (err?: unknown) => {
      restore();
      next(err);
    };
  }
  try {
    const result = handler(req, res, done);
    if (result !== null && typeof (result as PromiseLike<unknown>)?.then === 'function') {
      (result as PromiseLike<unknown>).then(undefined, (err: unknown) => done(err ?? new Error('route handler rejected')));
    }
  } catch (err) {
    done(err);
  }
}

/** A body was sent: chunked, or a non-zero Content-Length (an empty body is no body). */
function sentBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** The common case without parsing the media type: a JSON-only route and `application/json[; …]`. */
function isPlainJson(req: Request, body: RouteBody): boolean {
  if (body.media.length !== 1 || body.media[0]!.type !== 'application/json') return false;
  const type = req.headers['content-type'];
  return type === 'application/json' || (type !== undefined && type.startsWith('application/json;'));
}

const bodyIssue = (message: string, code: string): ValidationIssue => ({ location: 'body', path: '', message, code });

/** The body schema and input for this request, or the one issue that makes it unreadable. */
function selectBody(body: RouteBody, req: Request, maxDepth: number): { schema?: RequestSchemas['body']; input?: unknown; issue?: ValidationIssue } {
  const types = body.media.map((entry) => entry.type);
  if (!sentBody(req)) {
    if (body.required) return { issue: bodyIssue(`A request body is required (Content-Type: ${types.join(' or ')})`, 'body_required') };
    return { schema: body.media[0]!.schema, input: undefined }; // optional: defaults still apply
  }
  const entry = isPlainJson(req, body) ? body.media[0] : body.media.find((candidate) => typeof req.is(candidate.type) === 'string');
  if (entry === undefined) {
    const sent = req.headers['content-type'];
    const problem = sent === undefined ? 'No Content-Type' : 'Unsupported Content-Type'; // the value is not echoed
    return { issue: bodyIssue(`${problem}: send ${types.join(' or ')}`, 'unsupported_media_type') };
  }
  if (exceedsDepth(req.body, maxDepth)) return { issue: bodyIssue(`The body nests deeper than ${maxDepth} levels`, 'too_deep') };
  return { schema: entry.schema, input: req.body };
}

function applyValues(req: Request, values: Partial<Record<'params' | 'query' | 'headers' | 'body', unknown>>): void {
  if ('params' in values) req.params = values.params as Request['params'];
  if ('query' in values) {
    // Express 5 defines req.query as a prototype getter: shadow it on the instance.
    // Express 4 sets a plain property, which a simple assignment replaces.
    if (Object.prototype.hasOwnProperty.call(req, 'query')) req.query = values.query as Request['query'];
    else Object.defineProperty(req, 'query', { value: values.query, writable: true, enumerable: true, configurable: true });
  }
  if ('body' in values) req.body = values.body;
  req.valid = { params: req.params, query: 'query' in values ? values.query : req.query, body: req.body, headers: values.headers };
}

/**
 * Validation and the handler in one Express layer (one layer less per request): invalid
 * input goes to next(400), valid input is stored on the request and the handler runs; a
 * throw or a rejection of the handler goes to next(err). With `responses`, the handler's
 * `res.json()` is checked against them (see response-validation.ts).
 */
export function createRouteHandler(validation: RouteValidation | undefined, handler: Handler, responses?: ResponseSchemas): RequestHandler {
  if (validation === undefined) {
    return function handleApiRoute(req: Request, res: Response, next: NextFunction) {
      // Routes without schemas still get `req.valid` (their handler type promises it).
      req.valid = { params: req.params, query: req.query, body: req.body, headers: undefined };
      runHandler(handler, req, res, next, responses);
    };
  }
  const { body, maxBodyDepth } = validation;
  return function handleApiRoute(req: Request, res: Response, next: NextFunction) {
    const selected = body === undefined ? {} : selectBody(body, req, maxBodyDepth);
    if (selected.issue !== undefined) {
      next(validationError([selected.issue]));
      return;
    }
    const apply = (outcome: ValidationOutcome): void => {
      if (!outcome.ok) {
        next(validationError(outcome.issues));
        return;
      }
      applyValues(req, outcome.values);
      runHandler(handler, req, res, next, responses);
    };
    let outcome: ValidationOutcome | Promise<ValidationOutcome>;
    try {
      const schemas: RequestSchemas = { params: validation.params, query: validation.query, headers: validation.headers, body: selected.schema };
      outcome = validateRequestParts(schemas, { params: req.params, query: req.query, headers: req.headers, body: selected.input });
    } catch (err) {
      next(err); // a throwing refinement or transform in the app's schema
      return;
    }
    if (outcome instanceof Promise) outcome.then(apply, (err: unknown) => next(err));
    else apply(outcome);
  };
}
