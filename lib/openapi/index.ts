/**
 * `express-platform-kit/openapi`: one route definition drives routing, validation and an
 * OpenAPI document that tells the truth about auth (401/403) and rate limits (429).
 *
 * ```ts
 * const api = createApiRouter()
 * api.route({ method: 'get', path: '/me', summary: 'Me', tags: ['users'], middleware: [requireUser()],
 *   responses: { 200: jsonResponse(User, 'The caller') }, handler: (req, res) => res.json(req.user) })
 * serveOpenApi(app.use(api), { document: () => generateOpenApiDocument(api, { title: 'API', version: '1.0.0' }) })
 * ```
 */

/** zod with `.openapi()` applied once, so users never depend on import order. */
export { z } from './zod.js';

/** The middleware ↔ document contract (used by the auth, api-key, session and rate-limit modules). */
export {
  BEARER_JWT_SCHEME,
  API_KEY_SCHEME,
  SESSION_COOKIE_SCHEME,
  OPENAPI_METADATA,
  withOpenApiMetadata,
  getOpenApiMetadata,
  isExemptPath,
  type MiddlewareOpenApiMetadata,
} from './metadata.js';

/** Declaring documented, validated routes. */
export { createApiRouter, type CreateApiRouterOptions } from './router.js';
export type {
  ApiRouter,
  ApiRouteOptions,
  ApiRouteMethod,
  ApiRouteHandler,
  ApiRequest,
  ApiResponse,
  ApiResponses,
  ApiResponseBody,
  ApiParameterSchema,
  ApiRequestBody,
  ValidatedRequestParts,
} from './route-types.js';
/** Default of `route({ maxBodyDepth })`. */
export { DEFAULT_MAX_BODY_DEPTH } from './body-depth.js';
/** Uploads: `multipart/form-data` bodies. */
export { uploadedFile, DEFAULT_MULTIPART_LIMITS, type UploadedFile, type MultipartLimits } from './multipart.js';
/** What routes do with their handlers' JSON (`responseValidation`). */
export { DEFAULT_RESPONSE_VALIDATION, type ResponseValidationMode } from './response-validation.js';
/** Response helpers for `responses`. */
export { jsonResponse, emptyResponse, ErrorDetailBody } from './responses.js';
/** Validation issue shape rendered in 400 `detail` lists. */
export type { RequestValidationIssue, RequestLocation } from './validation.js';

/** Documents. */
export { generateOpenApiDocument, type GenerateOpenApiDocumentOptions, type OpenApiRegistrySource } from './document.js';
export { addAuthResponses, type AddAuthResponsesOptions } from './auth-responses.js';
export {
  PLATFORM_KIT_EXTENSION,
  type PlatformKitOperationExtension,
  type SecurityRequirement,
  type RateLimitPolicy,
} from './security.js';
export type { OpenApiDocument, OpenApiInfo, OpenApiOperation } from './types.js';

/** Serving the JSON and the docs page. */
export { serveOpenApi, type ServeOpenApiOptions, type RoutableTarget } from './serve.js';
export { DEFAULT_SWAGGER_UI_OPTIONS, type SwaggerUiOptions } from './swagger-ui-options.js';

/** The `platform-kit` command line (what `bin/platform-kit.mjs` runs). */
export { runPlatformKitCli, type PlatformKitCliIo } from './cli.js';
/** TypeScript types of a document for typed clients (`platform-kit openapi --types`; needs openapi-typescript). */
export { generateTypeScriptTypes, isOpenapiTypescriptMissing, type TypeScriptTypesOptions } from './typescript-types.js';

/** zod-to-openapi's registry, re-exported so apps need no direct dependency. */
export { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
