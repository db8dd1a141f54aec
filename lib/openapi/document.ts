/**
 * generateOpenApiDocument: registry (what exists) → document (how it is written), with the
 * kit's security schemes registered and the auth responses added.
 */
import { OpenAPIRegistry, OpenApiGeneratorV3, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { RequestHandler } from 'express';
import { ConfigError } from '../config/settings.js';
import { addAuthResponses, type AddAuthResponsesOptions } from './auth-responses.js';
import { documentParametersAsValidated } from './parameters.js';
import { API_KEY_SCHEME, BEARER_JWT_SCHEME, middlewareActingOn, SESSION_COOKIE_SCHEME } from './metadata.js';
import { deriveOperationSecurity, mergeOuterMiddleware, PLATFORM_KIT_EXTENSION, type PlatformKitOperationExtension, type SecurityRequirement } from './security.js';
import { OPERATION_METHODS, type OpenApiDocument, type OpenApiInfo } from './types.js';

/** Anything that holds route definitions: a registry, an API router, or a list of them. */
export type OpenApiRegistrySource = OpenAPIRegistry | { registry: OpenAPIRegistry } | readonly (OpenAPIRegistry | { registry: OpenAPIRegistry })[];

/** Options of {@link generateOpenApiDocument}. */
export interface GenerateOpenApiDocumentOptions extends AddAuthResponsesOptions {
  /** OpenAPI version: `3.1.x` (default `3.1.0`) or `3.0.x` (e.g. `3.0.3`). */
  openapi?: string;
  /** `servers`, e.g. `[{ url: 'https://api.example.com' }]`. */
  servers?: { url: string; description?: string }[];
  /** Root `security` (applies to operations without their own). */
  security?: SecurityRequirement[];
  /** Root `tags` with descriptions. */
  tags?: { name: string; description?: string }[];
  /** Header of the `APIKeyHeader` scheme. Default `X-API-Key`. */
  apiKeyHeader?: string;
  /** Cookie of the `SessionCookie` scheme. Default `session`. */
  sessionCookieName?: string;
  /** Remove the `x-platform-kit` operation extensions after use. Default `false`. */
  stripExtensions?: boolean;
  /**
   * Middleware mounted on the app before the routers (`app.use(rateLimit())`): documented on
   * every operation as if each route listed it first (security, 401/403/429/503). Pass the
   * same function objects the app mounts. (Middleware of one router: `createApiRouter({ middleware })`.)
   */
  middleware?: readonly RequestHandler[];
}

type Definition = OpenAPIRegistry['definitions'][number];

/** The route definitions with the app-level middleware merged in (the registries stay untouched). */
function withAppMiddleware(definitions: Definition[], middleware: readonly RequestHandler[] | undefined): Definition[] {
  if (middleware === undefined || middleware.length === 0) return definitions;
  return definitions.map((definition) => {
    if (definition.type !== 'route') return definition;
    const route = definition.route as RouteConfig & Record<string, unknown>;
    // Exempt paths are matched against the Express form of the path (`/graphs/:id`).
    const acting = middlewareActingOn(middleware, route.path.replace(/\{([^}]+)\}/g, ':$1'));
    if (acting.length === 0) return definition;
    const outer = deriveOperationSecurity(acting);
    const extension = (route[PLATFORM_KIT_EXTENSION] ?? {}) as PlatformKitOperationExtension;
    const { security, extension: merged } = mergeOuterMiddleware(outer, route.security, extension);
    const next: RouteConfig & Record<string, unknown> = { ...route, ...(security !== undefined ? { security } : {}) };
    if (Object.keys(merged).length > 0) next[PLATFORM_KIT_EXTENSION] = merged;
    return { ...definition, route: next };
  });
}

/** The kit's schemes named by the root security or by an operation: only those are defined. */
function schemesInUse(definitions: Definition[], rootSecurity: SecurityRequirement[] | undefined): Set<string> {
  const used = new Set<string>();
  const add = (requirements: unknown) => {
    if (!Array.isArray(requirements)) return;
    for (const requirement of requirements) for (const name of Object.keys(requirement ?? {})) used.add(name);
  };
  add(rootSecurity);
  for (const definition of definitions) {
    if (definition.type === 'route') add(definition.route.security);
    else if (definition.type === 'webhook') add(definition.webhook.security);
  }
  return used;
}

function registriesOf(source: OpenApiRegistrySource): OpenAPIRegistry[] {
  const list = Array.isArray(source) ? source : [source];
  return list.map((item: OpenAPIRegistry | { registry: OpenAPIRegistry }, index: number) => {
    const registry = item instanceof OpenAPIRegistry ? item : (item as { registry?: unknown } | null)?.registry;
    if (registry === null || typeof registry !== 'object' || !Array.isArray((registry as OpenAPIRegistry).definitions)) {
      throw new ConfigError([{ variable: `registry[${index}]`, message: 'must be an OpenAPIRegistry or an API router with .registry' }], 'OpenAPI document');
    }
    return registry as OpenAPIRegistry;
  });
}

function hasComponent(registry: OpenAPIRegistry, type: string, name: string): boolean {
  return registry.definitions.some((d) => d.type === 'component' && d.componentType === type && d.name === name);
}

function checkInfo(info: OpenApiInfo): void {
  const issues = [];
  if (info === null || typeof info !== 'object') issues.push({ variable: 'info', message: 'must be an object with title and version' });
  else {
    if (typeof info.title !== 'string' || info.title.trim() === '') issues.push({ variable: 'info.title', message: 'must be a non-empty string' });
    if (typeof info.version !== 'string' || info.version.trim() === '') issues.push({ variable: 'info.version', message: 'must be a non-empty string' });
  }
  if (issues.length > 0) throw new ConfigError(issues, 'OpenAPI document');
}

/**
 * Generates the OpenAPI document of one or more registries (or API routers): 3.1 by default,
 * 3.0 with `{ openapi: '3.0.3' }`. Defines the kit's `HTTPBearerJWT` (http bearer JWT),
 * `APIKeyHeader` (apiKey in `X-API-Key`) and `SessionCookie` schemes that an operation (or the
 * root `security`) uses, unless already defined, documents app-level `middleware` on every
 * operation, writes parameters as the router validates them (required when a missing value is
 * a 400, never nullable), and passes the result through {@link addAuthResponses}. The
 * registries are not modified.
 *
 * @example
 * ```ts
 * const doc = generateOpenApiDocument(api.registry, { title: 'Graphs API', version: '1.0.0' })
 * ```
 */
export function generateOpenApiDocument(
  source: OpenApiRegistrySource,
  info: OpenApiInfo,
  options: GenerateOpenApiDocumentOptions = {},
): OpenApiDocument {
  checkInfo(info);
  const version = options.openapi ?? '3.1.0';
  const is30 = /^3\.0\.\d+$/.test(version);
  if (!is30 && !/^3\.1\.\d+$/.test(version)) {
    throw new ConfigError([{ variable: 'openapi', message: `must be a 3.0.x or 3.1.x version (got ${JSON.stringify(version)})` }], 'OpenAPI document');
  }
  if (options.middleware !== undefined && (!Array.isArray(options.middleware) || options.middleware.some((handler) => typeof handler !== 'function'))) {
    throw new ConfigError([{ variable: 'middleware', message: 'must be a list of the middleware functions the app mounts' }], 'OpenAPI document');
  }
  const merged = new OpenAPIRegistry(registriesOf(source));
  const definitions = withAppMiddleware(merged.definitions, options.middleware);
  const used = schemesInUse(definitions, options.security);
  const schemes: Record<string, Record<string, string>> = {
    [BEARER_JWT_SCHEME]: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Supabase-style JWT: `Authorization: Bearer <token>`.' },
    [API_KEY_SCHEME]: { type: 'apiKey', in: 'header', name: options.apiKeyHeader ?? 'X-API-Key', description: 'API key.' },
    [SESSION_COOKIE_SCHEME]: { type: 'apiKey', in: 'cookie', name: options.sessionCookieName ?? 'session', description: 'Session cookie.' },
  };
  for (const [name, scheme] of Object.entries(schemes)) {
    if (used.has(name) && !hasComponent(merged, 'securitySchemes', name)) {
      definitions.push({ type: 'component', componentType: 'securitySchemes', name, component: scheme as never });
    }
  }
  const config = {
    openapi: version,
    info,
    ...(options.servers !== undefined ? { servers: options.servers } : {}),
    ...(options.security !== undefined ? { security: options.security } : {}),
    ...(options.tags !== undefined ? { tags: options.tags } : {}),
  };
  let document: OpenApiDocument;
  try {
    document = (is30
      ? new OpenApiGeneratorV3(definitions).generateDocument(config as never)
      : new OpenApiGeneratorV31(definitions).generateDocument(config as never)) as unknown as OpenApiDocument;
  } catch (error) {
    // zod-to-openapi's errors do not extend Error; give the caller one that does.
    const message = error instanceof Error ? error.message : String((error as { message?: unknown })?.message ?? error);
    throw new ConfigError([{ variable: 'registry', message: `zod-to-openapi could not generate the document: ${message}` }], 'OpenAPI document');
  }
  documentParametersAsValidated(document, definitions);
  addAuthResponses(document, options.authSchemes !== undefined ? { authSchemes: options.authSchemes } : {});
  if (options.stripExtensions === true) {
    for (const item of Object.values(document.paths ?? {})) {
      for (const method of OPERATION_METHODS) delete (item[method] as Record<string, unknown> | undefined)?.[PLATFORM_KIT_EXTENSION];
    }
  }
  return document;
}
