/**
 * The `platform-kit` command line: `platform-kit openapi <module> --out <file>` loads a module
 * exporting an app, an API router, a registry or a document and writes its OpenAPI document;
 * `--types <file.d.ts>` also (or instead) writes its TypeScript types (openapi-typescript).
 * Usage errors, and a missing openapi-typescript, exit with 2 and one line on stderr; a module
 * that fails to load exits with 1.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { generateOpenApiDocument } from './document.js';
import type { OpenApiDocument, OpenApiInfo } from './types.js';
import { generateTypeScriptTypes, isOpenapiTypescriptMissing } from './typescript-types.js';

/** Where the CLI writes (injectable for tests). */
export interface PlatformKitCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
}

const USAGE = `Usage: platform-kit openapi <module> [--out <file>] [--types <file.d.ts>] [--format json|yaml] [--title <t>] [--version <v>] [--openapi 3.1.0|3.0.3]

  <module>   a .js/.mjs/.cjs/.ts file exporting (default or named) \`app\`, \`router\` (createApiRouter),
             \`registry\` (OpenAPIRegistry) or \`document\`, and optionally \`info\` ({ title, version }).
             TypeScript needs the tsx package. Title/version default to ./package.json's name/version.
  --out      file to write (default: stdout, unless --types is given); the format follows its extension unless --format is given
  --types    also write the document's TypeScript types (for openapi-fetch's createClient<paths>()) to this .d.ts file;
             needs the openapi-typescript package (PLATFORM_KIT_OPENAPI_TYPESCRIPT names another module to load)`;

class UsageError extends Error {}

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);
const TSX_FLAG = Symbol.for('express-platform-kit.tsx-registered');

async function ensureTypeScriptLoader(): Promise<void> {
  const state = globalThis as Record<symbol, unknown>;
  const already = state[TSX_FLAG] === true || [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => /\btsx\b/.test(arg));
  if (already) return;
  const specifier = 'tsx/esm/api';
  let api: { register?: () => unknown };
  try {
    api = (await import(specifier)) as { register?: () => unknown };
  } catch {
    throw new UsageError('loading a TypeScript module needs the "tsx" package (npm install --save-dev tsx), or pass the compiled .js file');
  }
  api.register?.();
  state[TSX_FLAG] = true;
}

type Found = { kind: 'document'; document: OpenApiDocument } | { kind: 'registries'; registries: OpenAPIRegistry[] };

const isRegistry = (value: unknown): value is OpenAPIRegistry =>
  value !== null && typeof value === 'object' && Array.isArray((value as { definitions?: unknown }).definitions) && typeof (value as { registerPath?: unknown }).registerPath === 'function';

const isDocument = (value: unknown): value is OpenApiDocument =>
  value !== null && typeof value === 'object' && typeof (value as { openapi?: unknown }).openapi === 'string' && typeof (value as { info?: unknown }).info === 'object';

/** API routers found in an app's (or router's) middleware stack, Express 4 and 5. */
function registriesInStack(handle: unknown, seen = new Set<unknown>()): OpenAPIRegistry[] {
  if (handle === null || (typeof handle !== 'function' && typeof handle !== 'object') || seen.has(handle)) return [];
  seen.add(handle);
  const holder = (handle as { registry?: unknown }).registry;
  if (isRegistry(holder)) return [holder];
  const candidate = handle as { stack?: unknown; _router?: { stack?: unknown }; router?: { stack?: unknown } };
  const stack = Array.isArray(candidate.stack) ? candidate.stack : (candidate._router?.stack ?? (typeof handle === 'function' ? candidate.router?.stack : undefined));
  if (!Array.isArray(stack)) return [];
  return stack.flatMap((layer: { handle?: unknown }) => registriesInStack(layer?.handle, seen));
}

function findSource(mod: Record<string, unknown>): Found | undefined {
  const candidates: unknown[] = [];
  for (const name of ['document', 'registry', 'router', 'app', 'default']) candidates.push(mod[name]);
  const fallback = mod.default as Record<string, unknown> | undefined;
  if (fallback !== null && typeof fallback === 'object' && !isRegistry(fallback) && !isDocument(fallback)) {
    for (const name of ['document', 'registry', 'router', 'app']) candidates.push(fallback[name]);
  }
  for (const value of candidates) {
    if (value === undefined || value === null) continue;
    if (isDocument(value)) return { kind: 'document', document: value };
    if (isRegistry(value)) return { kind: 'registries', registries: [value] };
    const registries = registriesInStack(value);
    if (registries.length > 0) return { kind: 'registries', registries };
  }
  return undefined;
}

const isInfo = (value: unknown): value is OpenApiInfo =>
  value !== null && typeof value === 'object' && typeof (value as OpenApiInfo).title === 'string' && typeof (value as OpenApiInfo).version === 'string';

/** Fallback `info`: the name and version of the package.json in the working directory. */
function defaultInfo(cwd: string): OpenApiInfo {
  try {
    const pkg = JSON.parse(readFileSync(resolve(cwd, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
    return { title: typeof pkg.name === 'string' ? pkg.name : 'API', version: typeof pkg.version === 'string' ? pkg.version : '0.0.0' };
  } catch {
    return { title: 'API', version: '0.0.0' };
  }
}

interface OpenapiArgs {
  help: boolean;
  module: string;
  out?: string;
  types?: string;
  format: 'json' | 'yaml';
  title?: string;
  version?: string;
  openapi?: string;
}

function readArgv(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string', short: 'o' },
        types: { type: 'string' },
        format: { type: 'string' },
        title: { type: 'string' },
        version: { type: 'string' },
        openapi: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function parseOpenapiArgs(args: string[]): OpenapiArgs {
  const { values, positionals } = readArgv(args);
  if (values.help === true) return { help: true, module: '', format: 'json' };
  if (positionals.length !== 1) throw new UsageError('expected exactly one <module> argument');
  const out = values.out;
  const format = values.format ?? (out !== undefined && /\.ya?ml$/i.test(out) ? 'yaml' : 'json');
  if (format !== 'json' && format !== 'yaml') throw new UsageError(`--format must be json or yaml (got ${JSON.stringify(format)})`);
  if (values.openapi !== undefined && !/^3\.[01]\.\d+$/.test(values.openapi)) {
    throw new UsageError(`--openapi must be a 3.0.x or 3.1.x version (got ${JSON.stringify(values.openapi)})`);
  }
  const types = values.types;
  if (types !== undefined && !/\.d\.[cm]?ts$/.test(types)) throw new UsageError(`--types must name a .d.ts file (got ${JSON.stringify(types)})`);
  return { help: false, module: positionals[0] as string, out, types, format, title: values.title, version: values.version, openapi: values.openapi };
}

/** The document of a loaded module: its own, or generated from its registries (title/version overridable). */
function documentOf(found: NonNullable<ReturnType<typeof findSource>>, mod: Record<string, unknown>, args: OpenapiArgs, cwd: string): OpenApiDocument {
  if (found.kind === 'document') {
    const document = found.document;
    if (args.title === undefined && args.version === undefined) return document;
    return { ...document, info: { ...document.info, ...(args.title !== undefined ? { title: args.title } : {}), ...(args.version !== undefined ? { version: args.version } : {}) } };
  }
  const base = isInfo(mod.info) ? mod.info : defaultInfo(cwd);
  const info: OpenApiInfo = { ...base, title: args.title ?? base.title, version: args.version ?? base.version };
  return generateOpenApiDocument(found.registries, info, args.openapi !== undefined ? { openapi: args.openapi } : {});
}

async function openapiCommand(argv: string[], io: PlatformKitCliIo): Promise<number> {
  const args = parseOpenapiArgs(argv);
  if (args.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const modulePath = resolve(io.cwd, args.module);
  if (!existsSync(modulePath)) throw new UsageError(`module not found: ${args.module} (resolved to ${modulePath})`);
  if (TS_EXTENSIONS.has(extname(modulePath))) await ensureTypeScriptLoader();

  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  } catch (error) {
    io.stderr(`platform-kit: failed to load ${args.module}: ${(error as Error)?.message ?? String(error)}\n`);
    return 1;
  }
  const found = findSource(mod);
  if (found === undefined) {
    throw new UsageError(`${args.module} exports no app, router, registry or document (expected a default or named export \`app\`, \`router\`, \`registry\` or \`document\`)`);
  }
  const document = documentOf(found, mod, args, io.cwd);
  // Types first: when openapi-typescript is missing nothing is written, not half the output.
  const types = args.types === undefined ? undefined : await typesOf(document);
  const text = args.format === 'yaml' ? ((await import('yaml')) as { stringify: (v: unknown) => string }).stringify(document) : `${JSON.stringify(document, null, 2)}\n`;
  if (args.out === undefined && types === undefined) {
    io.stdout(text);
    return 0;
  }
  const operations = Object.values(document.paths ?? {}).reduce((sum, item) => sum + Object.keys(item).filter((k) => k !== 'parameters').length, 0);
  if (args.out !== undefined) {
    await writeText(resolve(io.cwd, args.out), text);
    io.stdout(`platform-kit: wrote ${args.out} (OpenAPI ${document.openapi}, ${operations} operations)\n`);
  }
  if (args.types !== undefined && types !== undefined) {
    await writeText(resolve(io.cwd, args.types), types);
    io.stdout(`platform-kit: wrote ${args.types} (TypeScript types of ${operations} operations)\n`);
  }
  return 0;
}

async function writeText(target: string, text: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, text);
}

/** The document's types; a missing openapi-typescript is a usage error (exit 2) with the install line. */
async function typesOf(document: OpenApiDocument): Promise<string> {
  const moduleSpecifier = process.env.PLATFORM_KIT_OPENAPI_TYPESCRIPT?.trim() || undefined;
  try {
    return await generateTypeScriptTypes(document, moduleSpecifier !== undefined ? { moduleSpecifier } : {});
  } catch (error) {
    if (isOpenapiTypescriptMissing(error)) throw new UsageError((error as Error).message);
    throw error;
  }
}

/**
 * Runs the `platform-kit` command line with `argv` (without `node` and the script) and
 * resolves with the exit code; `bin/platform-kit.mjs` calls it.
 *
 * @example
 * ```ts
 * process.exitCode = await runPlatformKitCli(['openapi', 'dist/app.js', '--out', 'openapi.json'])
 * ```
 */
export async function runPlatformKitCli(argv: readonly string[], io: Partial<PlatformKitCliIo> = {}): Promise<number> {
  const streams: PlatformKitCliIo = {
    stdout: io.stdout ?? ((text) => process.stdout.write(text)),
    stderr: io.stderr ?? ((text) => process.stderr.write(text)),
    cwd: io.cwd ?? process.cwd(),
  };
  const [command, ...rest] = argv;
  try {
    if (command === 'openapi') return await openapiCommand(rest, streams);
    if (command === undefined) {
      streams.stderr(`${USAGE}\n`);
      return 2;
    }
    if (command === '--help' || command === '-h' || command === 'help') {
      streams.stdout(`${USAGE}\n`);
      return 0;
    }
    throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  } catch (error) {
    if (error instanceof UsageError) {
      streams.stderr(`platform-kit: ${error.message}\n${error.message.startsWith('unknown command') ? `${USAGE}\n` : ''}`);
      return 2;
    }
    streams.stderr(`platform-kit: ${(error as Error)?.message ?? String(error)}\n`);
    return 1;
  }
}
