/**
 * Parameters written as the router validates them. zod-to-openapi decides `required` and
 * `nullable` with `schema.safeParse(null)`, which `z.coerce` schemas pass (`Number(null)` is
 * 0): `z.coerce.number().int().min(0)` came out optional and nullable although leaving it out
 * is a 400, and a typed client generated from the document accepted `offset: null`, which no
 * query string can carry. Here a parameter is required exactly when its schema rejects
 * `undefined` (what a missing parameter is), and never nullable.
 */
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { OpenApiDocument } from './types.js';

type Definition = OpenAPIRegistry['definitions'][number];
type Schema = Record<string, unknown>;
type Parameter = { name?: unknown; in?: unknown; required?: unknown; schema?: Schema };

/** Request part of a route config → the parameter location it documents. */
const LOCATIONS = { params: 'path', query: 'query', headers: 'header', cookies: 'cookie' } as const;

const isNullSchema = (schema: unknown) => schema !== null && typeof schema === 'object' && (schema as Schema).type === 'null' && Object.keys(schema).length === 1;

/** Removes `null` from a parameter schema: 3.1 type arrays and `{ type: 'null' }` branches, 3.0 `nullable`. */
function withoutNull(schema: Schema): void {
  delete schema.nullable;
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((type) => type !== 'null');
    schema.type = types.length === 1 ? types[0] : types;
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (!Array.isArray(branches) || !branches.some(isNullSchema)) continue;
    const rest = branches.filter((branch) => !isNullSchema(branch));
    delete schema[key];
    if (rest.length === 1) Object.assign(schema, rest[0]);
    else schema[key] = rest;
  }
}

/** `safeParse(undefined)` of each key of a zod object schema, by key. */
function acceptsUndefined(schema: unknown): Map<string, boolean> {
  const shape = (schema as { shape?: unknown } | undefined)?.shape;
  const result = new Map<string, boolean>();
  if (shape === null || typeof shape !== 'object') return result;
  for (const [key, value] of Object.entries(shape as Record<string, { safeParse?: (v: unknown) => { success: boolean } }>)) {
    if (typeof value?.safeParse === 'function') result.set(key, value.safeParse(undefined).success);
  }
  return result;
}

/**
 * Rewrites the parameters of every operation generated from `definitions` in place: no
 * `null` in their schemas, `required` from `safeParse(undefined)` (path parameters always
 * required, as OpenAPI demands). Parameters given as references are left alone.
 */
export function documentParametersAsValidated(document: OpenApiDocument, definitions: readonly Definition[]): void {
  for (const definition of definitions) {
    if (definition.type !== 'route') continue;
    const { route } = definition;
    const operation = document.paths?.[route.path]?.[route.method] as { parameters?: Parameter[] } | undefined;
    if (!Array.isArray(operation?.parameters)) continue;
    const optional = new Map<string, Map<string, boolean>>();
    for (const [part, location] of Object.entries(LOCATIONS)) optional.set(location, acceptsUndefined((route.request as Record<string, unknown> | undefined)?.[part]));
    for (const parameter of operation.parameters) {
      if (typeof parameter.in !== 'string' || typeof parameter.name !== 'string') continue; // a $ref
      if (parameter.schema !== undefined) withoutNull(parameter.schema);
      const missingIsValid = optional.get(parameter.in)?.get(parameter.name);
      if (parameter.in === 'path') parameter.required = true;
      else if (missingIsValid !== undefined) parameter.required = !missingIsValid;
    }
  }
}
