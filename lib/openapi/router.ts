/**
 * createApiRouter: one route definition drives routing, validation and the document.
 */
import { OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { ConfigError } from '../config/settings.js';
import { fromBodyParserError } from '../errors/body-parser-errors.js';
import { RESPONSE_400, RESPONSE_413, responseRef } from './components.js';
import { middlewareActingOn } from './metadata.js';
import type { MultipartLimits } from './multipart.js';
import { expressPathToOpenApi } from './path.js';
import { bodyParserFor, normaliseRequestBody, type RouteBody } from './request-body.js';
import { DEFAULT_RESPONSE_VALIDATION, RESPONSE_VALIDATION_MODES, responseSchemasOf, type ResponseValidationMode } from './response-validation.js';
import { createRouteHandler, type Handler, type RouteValidation } from './route-handler.js';
import { checkRequest, checkRouteOptions, fail, maxBodyDepthOf, middlewareList, paramsSchema } from './route-options.js';
import type { ApiParameterSchema, ApiResponse, ApiRouteOptions, ApiRouter } from './route-types.js';
import { deriveOperationSecurity, PLATFORM_KIT_EXTENSION } from './security.js';

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
  /**
   * Middleware for every route of this router (a global rate limit, app-wide auth): mounted
   * first in the router (`router.use(...)`, so it also runs for requests that fall through
   * to what is mounted after the router) and documented on every operation, as if each
   * route listed it first in its own `middleware`.
   */
  middleware?: RequestHandler | readonly RequestHandler[];
  /**
   * What every route of this router does with the JSON its handler sends (a route's own
   * `responseValidation` wins): `'strip'` (default) sends the documented schema's output, so
   * undocumented fields never leave; `'error'` also refuses undocumented fields; both answer
   * 500 `ERR_RESPONSE_INVALID` (logged with the issues) for a body the schema rejects;
   * `'off'` sends what the handler passed.
   */
  responseValidation?: ResponseValidationMode;
}

/** body-parser failures become the kit's 400/413 shapes right away (whatever error handler the app uses). */
function createBodyParser(body: RouteBody, limit: string | number, multipartLimits: MultipartLimits | undefined): RequestHandler {
  const parsers = body.media.map((entry) => bodyParserFor(entry.type, limit, multipartLimits));
  if (parsers.length === 1) {
    const parse = parsers[0]!;
    return function parseRequestBody(req: Request, res: Response, next: NextFunction) {
      parse(req, res, (err?: unknown) => (err === undefined || err === null ? next() : next(fromBodyParserError(err) ?? err)));
    };
  }
  return function parseRequestBodies(req: Request, res: Response, next: NextFunction) {
    let index = 0;
    // Each parser skips bodies of other types (and bodies already parsed), so running them in turn parses once.
    const step = (err?: unknown): void => {
      const parser = parsers[index++];
      if (err !== undefined && err !== null) next(fromBodyParserError(err) ?? err);
      else if (parser === undefined) next();
      else parser(req, res, step);
    };
    step();
  };
}

function operationConfig(routeOptions: ApiRouteOptions<any, any, any, any>, openApiPath: string, parts: { params?: ApiParameterSchema; body?: RouteBody; validates: boolean }, derived: ReturnType<typeof deriveOperationSecurity>): RouteConfig {
  const request = routeOptions.request ?? {};
  const responses: RouteConfig['responses'] = { ...(routeOptions.responses as RouteConfig['responses']) };
  if (parts.validates && !('400' in responses)) responses['400'] = responseRef(RESPONSE_400);
  if (parts.body !== undefined && !('413' in responses)) responses['413'] = responseRef(RESPONSE_413);
  const { security, extension } = derived;
  return {
    method: routeOptions.method,
    path: openApiPath,
    summary: routeOptions.summary,
    ...(routeOptions.tags !== undefined ? { tags: routeOptions.tags } : {}),
    ...(routeOptions.description !== undefined ? { description: routeOptions.description } : {}),
    ...(routeOptions.operationId !== undefined ? { operationId: routeOptions.operationId } : {}),
    ...(routeOptions.deprecated !== undefined ? { deprecated: routeOptions.deprecated } : {}),
    ...(security !== undefined ? { security } : {}),
    ...(Object.keys(extension).length > 0 ? { [PLATFORM_KIT_EXTENSION]: extension } : {}),
    request: {
      ...(parts.params !== undefined ? { params: parts.params } : {}),
      ...(request.query !== undefined ? { query: request.query } : {}),
      ...(request.headers !== undefined ? { headers: request.headers } : {}),
      ...(parts.body !== undefined ? { body: parts.body.document } : {}),
    },
    responses,
  };
}

function checkRouterOptions(options: CreateApiRouterOptions): { registry: OpenAPIRegistry; basePath: string; middleware: RequestHandler[]; responseValidation: ResponseValidationMode } {
  const registry = options.registry ?? new OpenAPIRegistry();
  const issues = [];
  if (!(registry instanceof OpenAPIRegistry) && !Array.isArray((registry as { definitions?: unknown }).definitions)) issues.push({ variable: 'registry', message: 'must be an OpenAPIRegistry' });
  const basePath = options.basePath ?? '';
  if (typeof basePath !== 'string' || (basePath !== '' && !basePath.startsWith('/'))) issues.push({ variable: 'basePath', message: 'must start with "/"' });
  const list = options.middleware === undefined ? [] : Array.isArray(options.middleware) ? options.middleware : [options.middleware];
  list.forEach((handler, index) => {
    if (typeof handler !== 'function') issues.push({ variable: `middleware[${index}]`, message: 'must be a function' });
  });
  const responseValidation = options.responseValidation ?? DEFAULT_RESPONSE_VALIDATION;
  if (!RESPONSE_VALIDATION_MODES.includes(responseValidation)) issues.push({ variable: 'responseValidation', message: `must be one of ${RESPONSE_VALIDATION_MODES.join(', ')}` });
  if (issues.length > 0) throw new ConfigError(issues, 'createApiRouter options');
  return { registry, basePath, middleware: middlewareList(list, 'middleware'), responseValidation };
}

/**
 * Creates an Express Router whose `route({...})` registers the operation in an OpenAPI
 * registry AND installs: the route's `middleware` (auth, rate limit), a body parser when a
 * body is declared, zod validation of params/query/headers/body (400 listing every issue),
 * then the handler, typed from the schemas, whose JSON is checked against the documented
 * response schemas (`responseValidation`). `route('/path')` stays Express's own.
 *
 * @example
 * ```ts
 * const api = createApiRouter({ middleware: [rateLimit()] })
 * api.route({ method: 'get', path: '/graphs/:id', summary: 'Get a graph', tags: ['graphs'],
 *   request: { params: z.object({ id: z.string().uuid() }) },
 *   responses: { 200: jsonResponse(Graph, 'The graph') },
 *   middleware: [requireUser()],
 *   handler: (req, res) => res.json(graphs.get(req.params.id)) })
 * app.use(api)
 * ```
 */
export function createApiRouter(options: CreateApiRouterOptions = {}): ApiRouter {
  const { registry, basePath, middleware: routerMiddleware, responseValidation } = checkRouterOptions(options);
  const router = (options.router ?? express.Router(options.routerOptions)) as unknown as ApiRouter;
  if (routerMiddleware.length > 0) router.use(...routerMiddleware);
  const expressRoute = router.route.bind(router);
  const declared = new Set<string>();

  function declareRoute(routeOptions: ApiRouteOptions<any, any, any, any>): ApiRouter {
    const middleware = checkRouteOptions(routeOptions);
    checkRequest(routeOptions.request);
    const { openApiPath, paramNames } = expressPathToOpenApi(routeOptions.path, basePath);
    const key = `${routeOptions.method.toUpperCase()} ${openApiPath}`;
    if (declared.has(key)) fail('path', `${key} is declared twice`);
    const request = routeOptions.request ?? {};
    const params = paramsSchema(request.params as ApiParameterSchema | undefined, paramNames, routeOptions.path);
    const body = normaliseRequestBody(request.body, request.bodyDescription);
    const validation: RouteValidation = { params, query: request.query, headers: request.headers, body, maxBodyDepth: maxBodyDepthOf(routeOptions) };
    const validates = params !== undefined || request.query !== undefined || request.headers !== undefined || body !== undefined;
    const derived = deriveOperationSecurity([...middlewareActingOn(routerMiddleware, routeOptions.path), ...middleware], routeOptions.security);
    const config = operationConfig(routeOptions, openApiPath, { ...(params !== undefined ? { params } : {}), ...(body !== undefined ? { body } : {}), validates }, derived);
    const chain: RequestHandler[] = [...middleware];
    if (body !== undefined) chain.push(createBodyParser(body, routeOptions.bodyLimit ?? '100kb', routeOptions.multipartLimits));
    const responses = responseSchemasOf(routeOptions.responses as Record<string, ApiResponse>, routeOptions.responseValidation ?? responseValidation, key);
    chain.push(createRouteHandler(validates ? validation : undefined, routeOptions.handler as Handler, responses));
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
