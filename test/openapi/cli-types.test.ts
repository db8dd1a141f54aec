/**
 * `platform-kit openapi <module> --types <file.d.ts>`: openapi-typescript's types of the
 * document, with binary bodies as Blob and defaulted fields optional; without
 * openapi-typescript, exit 2 and the install line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { generateOpenApiDocument, generateTypeScriptTypes, isOpenapiTypescriptMissing, runPlatformKitCli, type OpenApiDocument } from '../../lib/openapi/index.js';
import { router } from './cli-fixtures/router.js';

const FIXTURES = 'test/openapi/cli-fixtures';

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, ['bin/platform-kit.mjs', 'openapi', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
}

/** Type errors of `source` (a module importing the generated types from ./api.js), compiled as the repo does. */
function typeErrors(dir: string, types: string, source: string): string[] {
  writeFileSync(join(dir, 'api.d.ts'), types);
  writeFileSync(join(dir, 'use.ts'), source);
  const program = ts.createProgram([join(dir, 'use.ts')], { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, lib: ['lib.es2023.d.ts'], types: ['node'], typeRoots: [join(process.cwd(), 'node_modules/@types')] });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

const uploadDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Uploads', version: '1.0.0' },
  paths: {
    '/files': {
      post: {
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                properties: { file: { type: 'string', format: 'binary' }, thumbnail: { type: ['string', 'null'], format: 'binary' }, title: { type: 'string', default: 'untitled' } },
                required: ['file'],
              },
            },
          },
        },
        responses: { 204: { description: 'Stored' } },
      },
    },
  },
} as unknown as OpenApiDocument;

describe('platform-kit openapi --types (openapi-typescript)', function () {
  this.timeout(60_000); // child processes and the TypeScript compiler, on a shared machine
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'epk-openapi-types-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('bin/platform-kit.mjs writes the document and its types in one run (exit 0), and the types compile', () => {
    const out = join(dir, 'things.json');
    const types = join(dir, 'things.d.ts');
    const child = cli([`${FIXTURES}/router.ts`, '--out', out, '--types', types, '--title', 'Things', '--version', '2.0.0']);
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /wrote .*things\.json \(OpenAPI 3\.1\.0, 1 operations\)/);
    assert.match(child.stdout, /wrote .*things\.d\.ts \(TypeScript types of 1 operations\)/);
    assert.ok(JSON.parse(readFileSync(out, 'utf8')).paths['/things/{id}']);
    const text = readFileSync(types, 'utf8');
    assert.match(text, /^\/\*\*\n \* TypeScript types of the OpenAPI document "Things" 2\.0\.0/);
    assert.match(text, /export interface paths \{\n\s+"\/things\/\{id\}": \{/);
    // The 401 the auth middleware adds is part of the types, like in the document.
    assert.match(text, /401: components\["responses"\]\["HTTP401NotAuthenticatedError"\]/);
    const errors = typeErrors(dir, text, `import type { paths } from './api.js';\nexport const id: paths['/things/{id}']['get']['parameters']['path']['id'] = 'x';\nexport const bad: paths['/things/{id}']['get']['parameters']['path']['id'] = 1;\n`);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /Type 'number' is not assignable to type 'string'/);
  });

  it('writes only the types (nothing on stdout but the summary) when --out is not given', async () => {
    const types = join(dir, 'only.d.ts');
    let stdout = '';
    const code = await runPlatformKitCli(['openapi', `${FIXTURES}/registry.ts`, '--types', types], { stdout: (t) => void (stdout += t), stderr: () => {} });
    assert.equal(code, 0);
    assert.match(readFileSync(types, 'utf8'), /export interface paths/);
    assert.doesNotMatch(stdout, /"openapi"/, 'the document is not printed');
    assert.match(stdout, /^platform-kit: wrote .*only\.d\.ts/);
  });

  it('types binary bodies as Blob (nullable: Blob | null) and keeps fields with a default optional', async () => {
    const text = await generateTypeScriptTypes(uploadDocument);
    assert.match(text, /\bfile: Blob;/);
    assert.match(text, /\bthumbnail\?: Blob \| null;/);
    assert.match(text, /\btitle\?: string;/, 'defaultNonNullable is false: a defaulted field may be left out');
    const errors = typeErrors(
      dir,
      text,
      [
        `import type { paths } from './api.js';`,
        `type Form = paths['/files']['post']['requestBody']['content']['multipart/form-data'];`,
        `export const ok: Form = { file: new Blob(['x']) };`,
        `export const bad: Form = { file: 'x' };`,
      ].join('\n'),
    );
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /not assignable to type 'Blob'/);
  });

  it('leaves the document untouched (generation works on a copy)', async () => {
    const document = generateOpenApiDocument(router, { title: 'Things', version: '1.0.0' });
    const before = JSON.stringify(document);
    await generateTypeScriptTypes(document);
    assert.equal(JSON.stringify(document), before);
  });

  it('exits 2 with one line saying how to install openapi-typescript (and the TypeScript 6 override) when it cannot be loaded; writes nothing', () => {
    const out = join(dir, 'missing.json');
    const types = join(dir, 'missing.d.ts');
    const child = cli([`${FIXTURES}/router.ts`, '--out', out, '--types', types], { PLATFORM_KIT_OPENAPI_TYPESCRIPT: 'openapi-typescript-that-is-not-installed' });
    assert.equal(child.status, 2, child.stderr);
    const lines = child.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, child.stderr);
    assert.match(lines[0]!, /^platform-kit: writing TypeScript types needs the "openapi-typescript" package: npm install --save-dev openapi-typescript/);
    assert.match(lines[0]!, /"overrides": \{ "openapi-typescript": \{ "typescript": "\$typescript" \} \}/);
    assert.equal(existsSync(out), false, 'no document written either');
    assert.equal(existsSync(types), false);
  });

  it('rejects with a recognisable ERR_CONFIG_INVALID KitError when the module is missing (programmatic use)', async () => {
    const error = await generateTypeScriptTypes(uploadDocument, { moduleSpecifier: 'openapi-typescript-that-is-not-installed' }).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.equal((error as { code?: string }).code, 'ERR_CONFIG_INVALID');
    assert.equal(isOpenapiTypescriptMissing(error), true);
    assert.equal(isOpenapiTypescriptMissing(new Error('other')), false);
  });

  it('exits 2 when --types does not name a .d.ts file', async () => {
    let stderr = '';
    const code = await runPlatformKitCli(['openapi', `${FIXTURES}/registry.ts`, '--types', join(dir, 'types.ts')], { stdout: () => {}, stderr: (t) => void (stderr += t) });
    assert.equal(code, 2);
    assert.match(stderr, /--types must name a \.d\.ts file/);
  });
});
