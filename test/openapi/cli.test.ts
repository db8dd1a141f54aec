import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runPlatformKitCli } from '../../lib/openapi/index.js';
import { validateDocument } from './fixtures.js';

const FIXTURES = 'test/openapi/cli-fixtures';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runPlatformKitCli(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd: process.cwd() });
  return { code, stdout, stderr };
}

describe('platform-kit openapi (CLI)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'epk-openapi-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('bin/platform-kit.mjs writes the document of a TypeScript router module (exit 0)', async () => {
    const out = join(dir, 'router.json');
    const child = spawnSync(process.execPath, ['bin/platform-kit.mjs', 'openapi', `${FIXTURES}/router.ts`, '--out', out, '--title', 'Things', '--version', '2.0.0'], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const document = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(document.openapi, '3.1.0');
    assert.deepEqual(document.info, { title: 'Things', version: '2.0.0' });
    assert.ok(document.paths['/things/{id}'].get.responses['401'], 'auth responses added');
    await validateDocument(document);
  });

  it('bin/platform-kit.mjs exits 2 with a message on stderr for a bad module path', () => {
    const child = spawnSync(process.execPath, ['bin/platform-kit.mjs', 'openapi', 'no/such/module.ts', '--out', join(dir, 'x.json')], { encoding: 'utf8' });
    assert.equal(child.status, 2);
    assert.match(child.stderr, /module not found: no\/such\/module\.ts/);
  });

  it('finds API routers inside a JavaScript app (default export) and writes YAML', async () => {
    const out = join(dir, 'app.yaml');
    const result = await run(['openapi', `${FIXTURES}/app.mjs`, '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    const document = parseYaml(readFileSync(out, 'utf8'));
    assert.ok(document.paths['/ping'].get);
    assert.equal(document.info.title, 'express-platform-kit', 'title defaults to package.json name');
    await validateDocument(document);
  });

  it('finds API routers in an Express 4 app exported as `app`', async () => {
    const result = await run(['openapi', `${FIXTURES}/app-express4.mjs`]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(Object.keys(JSON.parse(result.stdout).paths), ['/v1/items/{id}']);
  });

  it('documents a default-exported registry as OpenAPI 3.0.3 on request, to stdout without --out', async () => {
    const result = await run(['openapi', `${FIXTURES}/registry.ts`, '--openapi', '3.0.3', '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const document = JSON.parse(result.stdout);
    assert.equal(document.openapi, '3.0.3');
    await validateDocument(document);
  });

  it('exits 2 for a module without a usable export, a bad format, a bad version, unknown options or commands', async () => {
    const none = await run(['openapi', `${FIXTURES}/nothing.mjs`]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /exports no app, router, registry or document/);
    const format = await run(['openapi', `${FIXTURES}/registry.ts`, '--format', 'xml']);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--format must be json or yaml/);
    assert.equal((await run(['openapi', `${FIXTURES}/registry.ts`, '--openapi', '2.0'])).code, 2);
    const unknown = await run(['openapi', `${FIXTURES}/registry.ts`, '--bogus']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /bogus/);
    assert.equal((await run(['openapi'])).code, 2);
    assert.equal((await run(['frobnicate'])).code, 2);
    assert.equal((await run([])).code, 2);
  });

  it('exits 1 with the reason when the module throws while loading', async () => {
    const result = await run(['openapi', `${FIXTURES}/broken.mjs`]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /failed to load .*fixture failed to load/);
  });

  it('prints usage with --help (exit 0)', async () => {
    const result = await run(['openapi', '--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Usage: platform-kit openapi <module>/);
  });
});
