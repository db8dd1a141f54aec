/**
 * The Swagger UI settings a user may choose for the docs page. They travel to the browser as
 * JSON in a data attribute (the page has no inline script, CSP `script-src 'self'`), and only
 * these keys with these value types exist: nothing a user writes becomes code in the page.
 */
import { ConfigError } from '../config/settings.js';

/** Swagger UI settings of `serveOpenApi({ swaggerUi })` (Swagger UI's own names). */
export interface SwaggerUiOptions {
  /** Keep the "Authorize" token across reloads (in the browser's localStorage). Default `true`. */
  persistAuthorization?: boolean;
  /** Operations and tags get URL fragments (`#/graphs/getGraph`), so links open them. Default `true`. */
  deepLinking?: boolean;
  /** What is expanded on load: `'list'` (tags), `'full'` (every operation) or `'none'`. Default `'list'`. */
  docExpansion?: 'list' | 'full' | 'none';
  /** Expansion depth of the schemas section; `-1` hides it. Default `1`. */
  defaultModelsExpandDepth?: number;
  /** Expansion depth of a schema inside an operation. Default `1`. */
  defaultModelExpandDepth?: number;
  /** "Try it out" is on without clicking it. Default `false`. */
  tryItOutEnabled?: boolean;
  /** A filter box for tags. Default `false`. */
  filter?: boolean;
  /** Show how long each "Try it out" request took. Default `false`. */
  displayRequestDuration?: boolean;
  /** Show `operationId`s. Default `false`. */
  displayOperationId?: boolean;
}

/** The settings used where the user sets none. */
export const DEFAULT_SWAGGER_UI_OPTIONS: Readonly<Required<SwaggerUiOptions>> = Object.freeze({
  persistAuthorization: true,
  deepLinking: true,
  docExpansion: 'list',
  defaultModelsExpandDepth: 1,
  defaultModelExpandDepth: 1,
  tryItOutEnabled: false,
  filter: false,
  displayRequestDuration: false,
  displayOperationId: false,
});

type Check = (value: unknown) => string | undefined;
const boolean: Check = (value) => (typeof value === 'boolean' ? undefined : 'must be true or false');
const depth: Check = (value) => (Number.isInteger(value) && (value as number) >= -1 && (value as number) <= 20 ? undefined : 'must be an integer from -1 to 20');
const CHECKS: Record<keyof SwaggerUiOptions, Check> = {
  persistAuthorization: boolean,
  deepLinking: boolean,
  docExpansion: (value) => (value === 'list' || value === 'full' || value === 'none' ? undefined : "must be 'list', 'full' or 'none'"),
  defaultModelsExpandDepth: depth,
  defaultModelExpandDepth: depth,
  tryItOutEnabled: boolean,
  filter: boolean,
  displayRequestDuration: boolean,
  displayOperationId: boolean,
};

/** The full settings for the page; a `ConfigError` listing every bad field otherwise. */
export function resolveSwaggerUiOptions(options: unknown): Required<SwaggerUiOptions> {
  if (options === undefined) return { ...DEFAULT_SWAGGER_UI_OPTIONS };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError([{ variable: 'swaggerUi', message: 'must be an object of Swagger UI settings' }], 'serveOpenApi options');
  }
  const issues: { variable: string; message: string }[] = [];
  for (const [key, value] of Object.entries(options)) {
    const check = CHECKS[key as keyof SwaggerUiOptions];
    if (check === undefined) issues.push({ variable: `swaggerUi.${key}`, message: `is not a supported setting (use ${Object.keys(CHECKS).join(', ')})` });
    else if (value !== undefined) {
      const problem = check(value);
      if (problem !== undefined) issues.push({ variable: `swaggerUi.${key}`, message: problem });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, 'serveOpenApi options');
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...DEFAULT_SWAGGER_UI_OPTIONS, ...defined };
}
