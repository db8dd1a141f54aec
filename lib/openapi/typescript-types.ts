/**
 * TypeScript types for an OpenAPI document, written by openapi-typescript: the `paths` and
 * `components` interfaces that openapi-fetch's `createClient<paths>()` types a client with.
 *
 * openapi-typescript is an optional peer, loaded with a dynamic import only when types are
 * asked for: the kit never needs it (or the TypeScript compiler it pulls in) at runtime.
 */
import { KitError } from '../errors/kit-error.js';
import type { OpenApiDocument } from './types.js';

/** The package {@link generateTypeScriptTypes} loads unless told otherwise. */
export const OPENAPI_TYPESCRIPT_PACKAGE = 'openapi-typescript';

/**
 * How to install the optional peer. With TypeScript 6 the override is needed because
 * openapi-typescript 7 declares `typescript@^5` as its peer.
 */
export const OPENAPI_TYPESCRIPT_INSTALL_HINT =
  'npm install --save-dev openapi-typescript (with TypeScript 6 also add "overrides": { "openapi-typescript": { "typescript": "$typescript" } } to package.json)';

/** Options of {@link generateTypeScriptTypes}. */
export interface TypeScriptTypesOptions {
  /**
   * Module to import instead of `openapi-typescript` (a fork, or a path). The CLI reads it from
   * `PLATFORM_KIT_OPENAPI_TYPESCRIPT`. Default `'openapi-typescript'`.
   */
  moduleSpecifier?: string;
}

/** The part of openapi-typescript (and of the TypeScript factory it hands out) used here. */
interface TypeNodeFactory {
  createTypeReferenceNode(name: string): unknown;
  createLiteralTypeNode(literal: unknown): unknown;
  createNull(): unknown;
  createUnionTypeNode(types: unknown[]): unknown;
}
interface OpenapiTypescriptModule {
  default: (document: unknown, options: Record<string, unknown>) => Promise<unknown[]>;
  astToString: (nodes: unknown[]) => string;
}

const NOT_INSTALLED = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

/** True when `error` is the one {@link generateTypeScriptTypes} throws for a missing openapi-typescript. */
export function isOpenapiTypescriptMissing(error: unknown): boolean {
  return error instanceof KitError && error.code === 'ERR_CONFIG_INVALID' && (error as { missingPackage?: unknown }).missingPackage === OPENAPI_TYPESCRIPT_PACKAGE;
}

async function loadOpenapiTypescript(specifier: string): Promise<{ generate: OpenapiTypescriptModule; factory: TypeNodeFactory }> {
  try {
    const generate = (await import(specifier)) as OpenapiTypescriptModule;
    // The TypeScript compiler (openapi-typescript's peer), for the Blob nodes. A variable
    // specifier, so the build never bundles the compiler into the kit.
    const compiler = 'typescript';
    const ts = (await import(compiler)) as unknown as { default?: { factory: TypeNodeFactory }; factory?: TypeNodeFactory };
    const factory = ts.factory ?? ts.default?.factory;
    if (typeof generate.default !== 'function' || typeof generate.astToString !== 'function' || factory === undefined) {
      throw new Error(`${specifier} does not look like openapi-typescript 7 (no default export or astToString)`);
    }
    return { generate, factory };
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    if (typeof code === 'string' && NOT_INSTALLED.has(code)) {
      const missing = new KitError('ERR_CONFIG_INVALID', `writing TypeScript types needs the "openapi-typescript" package: ${OPENAPI_TYPESCRIPT_INSTALL_HINT}`, { cause: error });
      Object.defineProperty(missing, 'missingPackage', { value: OPENAPI_TYPESCRIPT_PACKAGE });
      throw missing;
    }
    throw error;
  }
}

const header = (document: OpenApiDocument) =>
  `/**\n * TypeScript types of the OpenAPI document "${document.info.title}" ${document.info.version}, written by\n * \`platform-kit openapi --types\` (openapi-typescript). Do not edit: regenerate.\n */\n\n`;

/**
 * The `.d.ts` text openapi-typescript writes for `document` (`paths`, `components`,
 * `operations`), for openapi-fetch's `createClient<paths>()`. Binary bodies (`format:
 * binary`, e.g. uploads) are typed `Blob`, what `FormData` takes; fields with a default stay
 * optional (`defaultNonNullable: false`), since a client may leave them out. Rejects with a
 * `KitError` (`ERR_CONFIG_INVALID`, see {@link isOpenapiTypescriptMissing}) when
 * openapi-typescript is not installed.
 *
 * @example
 * ```ts
 * await writeFile('openapi.d.ts', await generateTypeScriptTypes(generateOpenApiDocument(api, info)))
 * ```
 */
export async function generateTypeScriptTypes(document: OpenApiDocument, options: TypeScriptTypesOptions = {}): Promise<string> {
  const { generate, factory } = await loadOpenapiTypescript(options.moduleSpecifier ?? OPENAPI_TYPESCRIPT_PACKAGE);
  const blob = () => factory.createTypeReferenceNode('Blob');
  const nodes = await generate.default(structuredClone(document), {
    silent: true,
    // A default is applied by the server; the caller may omit the field (request bodies, query).
    defaultNonNullable: false,
    transform(schema: { format?: unknown; type?: unknown }) {
      if (schema.format !== 'binary') return undefined;
      const nullable = Array.isArray(schema.type) && schema.type.includes('null');
      return nullable ? factory.createUnionTypeNode([blob(), factory.createLiteralTypeNode(factory.createNull())]) : blob();
    },
  });
  return `${header(document)}${generate.astToString(nodes)}`;
}
