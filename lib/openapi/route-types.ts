/**
 * Public types of `createApiRouter().route()`: the options object and the handler whose
 * `req.params`, `req.query` and `req.body` are typed from the route's zod schemas.
 */
import type { OpenAPIRegistry, ResponseConfig, RouteConfig, ZodRequestBody } from '@asteasolutions/zod-to-openapi';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import type { MultipartLimits } from './multipart.js';
import type { ResponseValidationMode } from './response-validation.js';
import type { SecurityRequirement } from './security.js';

/** HTTP methods a route can declare. */
export type ApiRouteMethod = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options';

/** Schema accepted for params, query and headers: a zod object (optionally piped). */
export type ApiParameterSchema = NonNullable<NonNullable<RouteConfig['request']>['params']>;

type Out<S, Fallback> = S extends z.ZodType ? z.output<S> : Fallback;

/** A route body: a zod schema (JSON), or zod-to-openapi's `{ content: { '<media type>': { schema } } }`. */
export type ApiRequestBody = z.ZodType | ZodRequestBody;

/** The parsed body: the schema's output, or the union of the outputs of every media type. */
type BodyOut<B> = B extends z.ZodType
  ? z.output<B>
  : B extends { content: infer C }
    ? { [K in keyof C]: C[K] extends { schema: infer S } ? (S extends z.ZodType ? z.output<S> : unknown) : unknown }[keyof C]
    : unknown;

/** The validated request parts, also available as `req.valid` (see docs/openapi.md). */
export interface ValidatedRequestParts<P = unknown, Q = unknown, B = unknown, H = unknown> {
  params: P;
  query: Q;
  body: B;
  headers: H;
}

declare global {
  namespace Express {
    interface Request {
      /**
       * Parsed values of the parts that `createApiRouter().route()` validated. Express 5's
       * `req.query` is a getter; the router shadows it with the parsed value on the request
       * itself, and `req.valid.query` holds it too.
       */
      valid?: Partial<ValidatedRequestParts>;
    }
  }
}

/** The request a route handler receives, typed from the schemas. */
export type ApiRequest<P, Q, B, H> = Request<Out<P, Request['params']>, unknown, BodyOut<B>, Out<Q, Request['query']>> & {
  valid: ValidatedRequestParts<Out<P, Request['params']>, Out<Q, Request['query']>, BodyOut<B>, Out<H, undefined>>;
};

/** A response in `responses`: a zod-to-openapi response config or a `$ref`. */
export type ApiResponse = ResponseConfig | { $ref: string };

/** The documented responses of a route, by status (`200`, `'4XX'`, `default`). */
export type ApiResponses = Record<number | string, ApiResponse>;

/**
 * A value whose JSON form is `T`: each leaf may also be an object with `toJSON()` (a `Date`
 * documented as a date-time string, the kit's `Secret` sent as "********"), as the response
 * check compares the wire form too.
 */
export type JsonInput<T> = T extends string | number | boolean | bigint | null | undefined
  ? T | { toJSON(): unknown }
  : T extends readonly (infer E)[]
    ? readonly JsonInput<E>[]
    : T extends object
      ? { [K in keyof T]: JsonInput<T[K]> }
      : T;

/** The body one response accepts: the input of its JSON schema (`unknown` when not a zod JSON schema, `never` without content). */
type ResponseBodyOf<R> = R extends { content: infer C }
  ? { [M in keyof C]: M extends `${string}json${string}` ? (C[M] extends { schema: infer S } ? (S extends z.ZodType ? JsonInput<z.input<S>> : unknown) : unknown) : never }[keyof C]
  : R extends { $ref: string }
    ? unknown
    : never;

/**
 * What `res.json()` of a route accepts: the union of the bodies of its documented JSON
 * responses. A response not described by a zod schema (a `$ref`, a plain JSON Schema) makes it
 * `unknown`, as does a route documenting no JSON body.
 */
export type ApiResponseBody<R> = [{ [K in keyof R]: ResponseBodyOf<R[K]> }[keyof R]] extends [infer U] ? ([U] extends [never] ? unknown : U) : unknown;

/** A route handler: may be async (a rejection goes to `next(err)` on Express 4 and 5). `res.json()` is typed from `responses`. */
export type ApiRouteHandler<P, Q, B, H, R = ApiResponses> = (req: ApiRequest<P, Q, B, H>, res: Response<ApiResponseBody<R>>, next: NextFunction) => unknown;

/** Options of `router.route({...})`. */
export interface ApiRouteOptions<
  P extends ApiParameterSchema | undefined,
  Q extends ApiParameterSchema | undefined,
  B extends ApiRequestBody | undefined,
  H extends ApiParameterSchema | undefined,
  R extends ApiResponses = ApiResponses,
> {
  method: ApiRouteMethod;
  /** Express path (`/graphs/:id`), written to the document as `/graphs/{id}`. */
  path: string;
  summary: string;
  description?: string;
  /** Groups in the docs page. Optional. */
  tags?: string[];
  operationId?: string;
  deprecated?: boolean;
  request?: {
    /** Path parameters; must name exactly the `:params` of `path` (default: all strings). */
    params?: P;
    /** Query string (values arrive as strings: use `z.coerce` for numbers). */
    query?: Q;
    /**
     * The body: a zod schema (sent as `application/json`), or zod-to-openapi's own
     * `{ description?, required?, content: { '<media type>': { schema, example? } } }` for
     * other or several media types (JSON, `text/*`, urlencoded forms, anything else as a
     * Buffer). The route parses it (limit `bodyLimit`) and validates it with the schema of
     * the request's Content-Type.
     */
    body?: B;
    /** Request headers (matched case-insensitively). */
    headers?: H;
    /** Description of the request body. */
    bodyDescription?: string;
  };
  /** Documented responses by status; 400/401/403/429 are added from validation and middleware. */
  responses: R;
  /** Extra security requirement, AND-ed with the middleware's; `[]` marks the route public. */
  security?: SecurityRequirement[];
  /** Middleware run before validation (auth, rate limit); their metadata drives the document. */
  middleware?: RequestHandler | readonly RequestHandler[];
  /** Body size limit (body-parser syntax). Default `'100kb'`. */
  bodyLimit?: string | number;
  /**
   * Limits of a `multipart/form-data` body (`fileSize`, `files`, `fields`, `fieldSize`,
   * `parts`); past one → 413. Defaults: `DEFAULT_MULTIPART_LIMITS`. `bodyLimit` does not apply.
   */
  multipartLimits?: MultipartLimits;
  /** Maximum nesting of arrays/objects in a parsed body (deeper → 400 `too_deep`). Default 64. */
  maxBodyDepth?: number;
  /**
   * What the route does with the JSON its handler sends, checked against the zod schema
   * documented for the status: `'strip'` | `'error'` | `'off'`. Default: the router's
   * (`createApiRouter({ responseValidation })`, itself `'strip'` by default).
   */
  responseValidation?: ResponseValidationMode;
  handler: ApiRouteHandler<P, Q, B, H, R>;
}

/** An Express Router that also documents its routes. */
export interface ApiRouter extends Router {
  /** The registry holding every operation declared with `route({...})`. */
  readonly registry: OpenAPIRegistry;
  /** `route({...})` declares a documented, validated operation; `route('/path')` is Express's own. */
  route: (<
    P extends ApiParameterSchema | undefined = undefined,
    Q extends ApiParameterSchema | undefined = undefined,
    B extends ApiRequestBody | undefined = undefined,
    H extends ApiParameterSchema | undefined = undefined,
    R extends ApiResponses = ApiResponses,
  >(
    options: ApiRouteOptions<P, Q, B, H, R>,
  ) => ApiRouter) &
    Router['route'];
}
