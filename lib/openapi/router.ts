/**
 * createApiRouter: one route definition drives routing, validation and the document.
 */
import { OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { ConfigError } from '../config/settings.js';
import { HttpError } from '../errors/http-error.js';
import { RESPONSE_400, RESPONSE_413, responseRef } from './components.js';
import { expressPathToOpenApi } from './path.js';
import type { ApiParameterSchema, ApiRouteMethod, ApiRouteOptions, ApiRouter } from './route-types.js';
import { deriveOperationSecurity, PLATFORM_KIT_EXTENSION } from './security.js';
import { validateRequestParts, type RequestSchemas, type ValidationOutcome } from './validation.js';
import { z } from './zod.js';

/** Options of {@link createApiRouter}. */
export interface CreateApiRouterOptions {
  /** Registry to record operations in (share one between routers). Default: a new one. */
  registry?: OpenAPIRegistry;
  /**
   * Prefix written before every path in the document, for a router mounted at a prefix
   * (`app.use('/api', router)` → `basePath: '/api'`). Routing itself is unchanged.
   */
  basePath?: string;
  /** Options passed to Express's Router (`caseSensitive`, `mergeParams`, `strict`). */
  routerOptions?: Parameters<typeof express.Router>[0];
  /** An existing Router to extend instead of a new `express.Router(routerOptions)`. */
  router?: Router;
}

const METHODS: readonly ApiRouteMethod[] = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

function fail(variable: string, message: string): never {
  throw new ConfigError([{ variable, message }], 'API route');
}

function shapeKeys(schema: ApiParameterSchema): string[] | undefined {
  const candidate = schema as unknown as { shape?: unknown; in?: { shape?: unknown } };
  const shape = candidate.shape ?? candidate.in?.shape;
  return shape !== null && typeof shape === 'object' ? Object.keys(shape) : undefined;
}

function checkOptions(options: ApiRouteOptions<any, any, any, any>): RequestHandler[] {
  if (options === null || typeof options !== 'object') fail('options', 'must be an object');
  if (!METHODS.includes(options.method)) fail('method', `must be one of ${METHODS.join(', ')}`);
  if (typeof options.summary !== 'string' || options.summary.trim() === '') fail('summary', 'must be a non-empty string');
  if (options.tags !== undefined && (!Array.isArray(options.tags) || options.tags.some((tag) => typeof tag !== 'string'))) fail('tags', 'must be an array of strings');
  if (options.responses === null || typeof options.responses !== 'object' || Object.keys(options.responses).length === 0) {
    fail('responses', 'must document at least one response, e.g. { 200: jsonResponse(schema, "OK") }');
  }
  if (typeof options.handler !== 'function') fail('handler', 'must be a function');
  const middleware = options.middleware === undefined ? [] : Array.isArray(options.middleware) ? [...options.middleware] : [options.middleware];
  middleware.forEach((handler, index) => {
    if (typeof handler !== 'function') fail(`middleware[${index}]`, 'must be a function');
  });
  return middleware as RequestHandler[];
}

function bodyIsRequired(body: z.ZodType): boolean {
  try {
    return !body.safeParse(undefined).success;
  } catch {
    return true; // async refinements: a body is needed to know, so call it required
  }
}

interface BodyParserError {
  type?: unknown;
  status?: unknown;
}

/** Wraps express.json so its failures become the kit's 400/413 with a readable detail. */
function createJsonBodyParser(limit: string | number): RequestHandler {
  const parse = express.json({ limit });
  return function parseJsonBody(req: Request, res: Response, next: NextFunction) {
    parse(req, res, (err?: unknown) => {
      if (err === undefined || err === null) return next();
      const { type, status } = err as BodyParserError;
      if (type === 'entity.too.large' || status === 413) {
        return next(new HttpError(413, 'Request body too large', { code: 'ERR_VALIDATION', cause: err }));
      }
      const message = type === 'entity.parse.failed' ? 'Malformed JSON' : 'Unreadable request body';
      next(
        new HttpError(400, 'Request validation failed', {
          code: 'ERR_VALIDATION',
          detail: [{ location: 'body', path: '', message, code: String(type ?? 'invalid_body') }],
          cause: err,
        }),
      );
    });
  };
}

type Handler = (req: Request, res: Response, next: NextFunction) => unknown;

function runHandler(handler: Handler, req: Request, res: Response, next: NextFunction): void {
  try {
    const result = handler(req, res, next);
    if (result !== null && typeof (result as PromiseLike<unknown>)?.then === 'function') {
      (result as PromiseLike<unknown>).then(undefined, (err: unknown) => next(err ?? new Error('route handler rejected')));
    }
  } catch (err) {
    next(err);
  }
}

/**
 * Validation and the handler in one Express layer (one layer less per request): invalid
 * input goes to next(HttpError 400), valid input is stored on the request and the handler
 * runs; a throw or a rejection of the handler goes to next(err).
 */
function createRouteHandler(schemas: RequestSchemas | undefined, handler: Handler): RequestHandler {
  if (schemas === undefined) {
    return function handleApiRoute(req: Request, res: Response, next: NextFunction) {
      // Routes without schemas still get `req.valid` (their handler type promises it).
      req.valid = { params: req.params, query: req.query, body: req.body, headers: undefined };
      runHandler(handler, req, res, next);
    };
  }
  return function handleApiRoute(req: Request, res: Response, next: NextFunction) {
    const apply = (outcome: ValidationOutcome): void => {
      if (!outcome.ok) {
        next(new HttpError(400, 'Request validation failed', { code: 'ERR_VALIDATION', detail: outcome.issues }));
        return;
      }
      const { values } = outcome;
      if ('params' in values) req.params = values.params as Request['params'];
      if ('query' in values) {
        // Express 5 defines req.query as a prototype getter: shadow it on the instance.
        // Express 4 sets a plain property, which a simple assignment replaces.
        if (Object.prototype.hasOwnProperty.call(req, 'query')) req.query = values.query as Request['query'];
        else Object.defineProperty(req, 'query', { value: values.query, writable: true, enumerable: true, configurable: true });
      }
      if ('body' in values) req.body = values.body;
      req.valid = { params: req.params, query: 'query' in values ? values.query : req.query, body: req.body, headers: values.headers };
      runHandler(handler, req, res, next);
    };
    let outcome: ValidationOutcome | Promise<ValidationOutcome>;
    try {
      outcome = validateRequestParts(schemas, { params: req.params, query: req.query, headers: req.headers, body: req.body });
    } catch (err) {
      next(err); // a throwing refinement or transform in the app's schema
      return;
    }
    if (outcome instanceof Promise) outcome.then(apply, (err: unknown) => next(err));
    else apply(outcome);
  };
}

/**
 * Creates an Express Router whose `route({...})` registers the operation in an OpenAPI
 * registry AND installs: the route's `middleware` (auth, rate limit), a JSON body parser
 * when a body is declared, zod validation of params/query/headers/body (400 listing every
 * issue), then the handler, typed from the schemas. `route('/path')` stays Express's own.
 *
 * @example
 * ```ts
 * const api = createApiRouter()
 * api.route({ method: 'get', path: '/graphs/:id', summary: 'Get a graph', tags: ['graphs'],
 *   request: { params: z.object({ id: z.string().uuid() }) },
 *   responses: { 200: jsonResponse(Graph, 'The graph') },
 *   middleware: [requireUser()],
 *   handler: (req, res) => res.json(graphs.get(req.params.id)) })
 * app.use(express.json(), api)
 * ```
 */
export function createApiRouter(options: CreateApiRouterOptions = {}): ApiRouter {
  const registry = options.registry ?? new OpenAPIRegistry();
  if (!(registry instanceof OpenAPIRegistry) && !Array.isArray((registry as { definitions?: unknown }).definitions)) {
    throw new ConfigError([{ variable: 'registry', message: 'must be an OpenAPIRegistry' }], 'createApiRouter options');
  }
  const basePath = options.basePath ?? '';
  if (typeof basePath !== 'string' || (basePath !== '' && !basePath.startsWith('/'))) {
    throw new ConfigError([{ variable: 'basePath', message: 'must start with "/"' }], 'createApiRouter options');
  }
  const router = (options.router ?? express.Router(options.routerOptions)) as unknown as ApiRouter;
  const expressRoute = router.route.bind(router);
  const declared = new Set<string>();

  function declareRoute(routeOptions: ApiRouteOptions<any, any, any, any>): ApiRouter {
    const middleware = checkOptions(routeOptions);
    const { openApiPath, paramNames } = expressPathToOpenApi(routeOptions.path, basePath);
    const key = `${routeOptions.method.toUpperCase()} ${openApiPath}`;
    if (declared.has(key)) fail('path', `${key} is declared twice`);
    const request = routeOptions.request ?? {};
    let params = request.params as ApiParameterSchema | undefined;
    if (params === undefined && paramNames.length > 0) {
      params = z.object(Object.fromEntries(paramNames.map((name) => [name, z.string()])));
    } else if (params !== undefined) {
      const keys = shapeKeys(params);
      if (keys !== undefined) {
        const missing = paramNames.filter((name) => !keys.includes(name));
        const extra = keys.filter((name) => !paramNames.includes(name));
        if (missing.length > 0 || extra.length > 0) {
          fail('request.params', `must name exactly the path parameters of ${routeOptions.path} (${[...missing.map((n) => `missing ${n}`), ...extra.map((n) => `not in path: ${n}`)].join(', ')})`);
        }
      }
    }
    const body = request.body as z.ZodType | undefined;
    const schemas: RequestSchemas = { params, query: request.query, headers: request.headers, body };
    const validates = Object.values(schemas).some((schema) => schema !== undefined);
    const { security, extension } = deriveOperationSecurity(middleware, routeOptions.security);

    const responses: RouteConfig['responses'] = { ...(routeOptions.responses as RouteConfig['responses']) };
    if (validates && !('400' in responses)) responses['400'] = responseRef(RESPONSE_400);
    if (body !== undefined && !('413' in responses)) responses['413'] = responseRef(RESPONSE_413);
    const config: RouteConfig = {
      method: routeOptions.method,
      path: openApiPath,
      summary: routeOptions.summary,
      tags: routeOptions.tags,
      ...(routeOptions.description !== undefined ? { description: routeOptions.description } : {}),
      ...(routeOptions.operationId !== undefined ? { operationId: routeOptions.operationId } : {}),
      ...(routeOptions.deprecated !== undefined ? { deprecated: routeOptions.deprecated } : {}),
      ...(security !== undefined ? { security } : {}),
      ...(Object.keys(extension).length > 0 ? { [PLATFORM_KIT_EXTENSION]: extension } : {}),
      request: {
        ...(params !== undefined ? { params } : {}),
        ...(request.query !== undefined ? { query: request.query } : {}),
        ...(request.headers !== undefined ? { headers: request.headers } : {}),
        ...(body !== undefined
          ? {
              body: {
                ...(request.bodyDescription !== undefined ? { description: request.bodyDescription } : {}),
                required: bodyIsRequired(body),
                content: { 'application/json': { schema: body } },
              },
            }
          : {}),
      },
      responses,
    };
    const chain: RequestHandler[] = [...middleware];
    if (body !== undefined) chain.push(createJsonBodyParser(routeOptions.bodyLimit ?? '100kb'));
    chain.push(createRouteHandler(validates ? schemas : undefined, routeOptions.handler as Handler));
    // Routing first: if Express rejects the path, nothing half-declared stays in the registry.
    (router[routeOptions.method] as (path: string, ...handlers: RequestHandler[]) => unknown)(routeOptions.path, ...chain);
    registry.registerPath(config);
    declared.add(key);
    return router;
  }

  function route(this: unknown, pathOrOptions: unknown): unknown {
    const isOptions = pathOrOptions !== null && typeof pathOrOptions === 'object' && !Array.isArray(pathOrOptions) && !(pathOrOptions instanceof RegExp);
    return isOptions ? declareRoute(pathOrOptions as ApiRouteOptions<any, any, any, any>) : expressRoute(pathOrOptions as string);
  }
  Object.defineProperty(router, 'route', { value: route, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(router, 'registry', { value: registry, enumerable: true });
  return router;
}
