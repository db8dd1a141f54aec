/**
 * Express route paths → OpenAPI path templates. Only what both can express is accepted:
 * literal segments and named parameters (`/users/:id`, Express 4's `:id(\\d+)` regex suffix
 * included). Optional parameters and wildcards have no OpenAPI equivalent, so they are
 * rejected when the route is declared rather than documented wrongly.
 */
import { ConfigError } from '../config/settings.js';

export interface ConvertedPath {
  /** The OpenAPI template, e.g. `/users/{id}`. */
  openApiPath: string;
  /** Parameter names in order of appearance. */
  paramNames: string[];
}

const PARAM = /:([A-Za-z_$][A-Za-z0-9_$]*)(\((?:\\.|[^\\()])*\))?/g;

/** Converts `/users/:id` to `/users/{id}` (throws a ConfigError for unsupported syntax). */
export function expressPathToOpenApi(path: string, basePath = ''): ConvertedPath {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new ConfigError([{ variable: 'path', message: `must be a string starting with "/" (got ${JSON.stringify(path)})` }], 'API route');
  }
  const paramNames: string[] = [];
  const templated = path.replace(PARAM, (_match, name: string) => {
    if (paramNames.includes(name)) {
      throw new ConfigError([{ variable: 'path', message: `parameter ":${name}" appears twice in ${path}` }], 'API route');
    }
    paramNames.push(name);
    return `{${name}}`;
  });
  // Whatever is left must be literal: `*`, `?`, `+`, `(`, `{`, `:` mean optional or wildcard parts.
  const rest = templated.replace(/\{[A-Za-z_$][A-Za-z0-9_$]*\}/g, '');
  if (/[*?+():{}\\]/.test(rest)) {
    throw new ConfigError(
      [{ variable: 'path', message: `${path} uses optional or wildcard syntax that OpenAPI cannot describe; use named parameters like /users/:id` }],
      'API route',
    );
  }
  const prefix = basePath === '' || basePath === '/' ? '' : basePath.replace(/\/+$/, '');
  let openApiPath = `${prefix}${templated}`;
  if (openApiPath.length > 1) openApiPath = openApiPath.replace(/\/+$/, '');
  return { openApiPath: openApiPath === '' ? '/' : openApiPath, paramNames };
}
