/**
 * Packaging is tested, not hoped: the kit is packed with `npm pack`, installed from the
 * tarball into a fresh project, every subpath is loaded with `import` and with `require`, a
 * small TypeScript consumer is type-checked against the shipped `.d.ts`, and publint and
 * arethetypeswrong must report no problem.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PUBLIC_CONTRACT, ROOT_EXTRA } from './contract.js';

const repo = resolve(import.meta.dirname, '../..');
const bin = (name: string) => join(repo, 'node_modules', '.bin', name);
function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout}${stderr}`.slice(0, 6000));
  }
}

describe('packaging: the packed tarball', function () {
  this.timeout(240_000);
  let work: string;
  let tarball: string;
  let consumer: string;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'epk-pack-'));
    run('npm', ['run', 'build'], repo);
    const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], repo)) as { filename: string }[];
    tarball = join(work, packed[0]!.filename);
    consumer = join(work, 'consumer');
    run('mkdir', ['-p', consumer], work);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
    run('npm', ['install', '--prefer-offline', '--no-package-lock', '--ignore-scripts', tarball, 'express@5', '@types/express@5', '@types/node@20'], consumer);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const subpaths = Object.keys(PUBLIC_CONTRACT);

  it('ships only dist, docs and the README (no sources, tests or secrets)', () => {
    const listing = run('tar', ['-tzf', tarball], work).split('\n').filter(Boolean);
    const outside = listing.filter((file) => !/^package\/(dist\/|docs\/|bin\/|README\.md$|package\.json$|LICENSE)/.test(file));
    assert.deepEqual(outside, []);
  });

  it('loads every subpath with import (ESM) and finds the contract names', () => {
    const script = `
      const contract = ${JSON.stringify(PUBLIC_CONTRACT)};
      const missing = [];
      for (const [sub, names] of Object.entries(contract)) {
        const mod = await import('express-platform-kit/' + sub);
        for (const name of names) if (!(name in mod)) missing.push(sub + ':' + name);
      }
      const root = await import('express-platform-kit');
      for (const name of [...Object.values(contract).flat(), ...${JSON.stringify(ROOT_EXTRA)}]) if (!(name in root)) missing.push('root:' + name);
      console.log(JSON.stringify(missing));`;
    const out = run('node', ['--input-type=module', '-e', script], consumer);
    assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), []);
  });

  it('loads every subpath with require (CJS) and finds the contract names', () => {
    const script = `
      const contract = ${JSON.stringify(PUBLIC_CONTRACT)};
      const missing = [];
      for (const [sub, names] of Object.entries(contract)) {
        const mod = require('express-platform-kit/' + sub);
        for (const name of names) if (!(name in mod)) missing.push(sub + ':' + name);
      }
      const root = require('express-platform-kit');
      for (const name of Object.values(contract).flat()) if (!(name in root)) missing.push('root:' + name);
      console.log(JSON.stringify(missing));`;
    const out = run('node', ['-e', script], consumer);
    assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), []);
  });

  it('shares one KitError class between subpaths of one format', () => {
    const out = run('node', ['-e', `
      const { KitError } = require('express-platform-kit/errors');
      const root = require('express-platform-kit');
      console.log(root.KitError === KitError);`], consumer);
    assert.equal(out.trim(), 'true');
  });

  it('requestMetrics({ otel: true }) loads @opentelemetry/api synchronously from the ESM and the CJS build', () => {
    // prom-client depends on @opentelemetry/api, so npm installs it; the kit finds the global provider.
    const probe = (api: string) => `${api}.metrics.setGlobalMeterProvider({ getMeter: (name) => ({ createHistogram: (metric) => { console.log(name, metric); return { record() {} }; } }) });
      console.log(typeof requestMetrics({ registry: false, otel: true }));`;
    const cjs = run('node', ['-e', `const api = require('@opentelemetry/api'); const { requestMetrics } = require('express-platform-kit/alerting'); ${probe('api')}`], consumer);
    const esm = run('node', ['--input-type=module', '-e', `import * as api from '@opentelemetry/api'; import { requestMetrics } from 'express-platform-kit/alerting'; ${probe('api')}`], consumer);
    assert.equal(cjs.trim(), 'express-platform-kit http.server.request.duration\nfunction');
    assert.equal(esm.trim(), 'express-platform-kit http.server.request.duration\nfunction');
  });

  /** `tsc --noEmit` of `files` with `skipLibCheck: false`, under ESM and CJS resolution. */
  function typeCheck(files: string[]): void {
    for (const type of ['module', 'commonjs']) {
      const pkg = JSON.parse(readFileSync(join(consumer, 'package.json'), 'utf8'));
      writeFileSync(join(consumer, 'package.json'), JSON.stringify({ ...pkg, type }));
      run(bin('tsc'), ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', 'false', '--types', 'node', ...files], consumer);
    }
  }

  it('type-checks a TypeScript consumer against the shipped declarations (ESM and CJS resolution)', () => {
    writeFileSync(join(consumer, 'consumer.ts'), `
      import express from 'express';
      import { errorHandler, HttpError, type KitErrorCode } from 'express-platform-kit/errors';
      import { gracefulShutdown } from 'express-platform-kit';
      import { requireUser, createJwtVerifier, userOf, type AuthenticatedRequest, type User, type User as KitUser } from 'express-platform-kit/auth';
      import { requireApiKey } from 'express-platform-kit/api-key';
      import { rateLimit } from 'express-platform-kit/rate-limit';
      // An app whose only users are the kit's opts in to a typed req.user (docs/auth.md).
      declare global {
        namespace Express {
          interface User extends KitUser {}
        }
      }
      const verifier = createJwtVerifier({ verifyKey: 'x'.repeat(32) });
      const limited = rateLimit({ name: 'consumer', limit: 10, windowMs: 1000 });
      const code: KitErrorCode = 'ERR_RATE_LIMITED';
      const app = express();
      app.get('/', (_req, _res, next) => next(new HttpError(404, 'nope', { code })));
      app.get('/me', limited, requireUser({ verifier }), (req: AuthenticatedRequest, res) => {
        const user: User | undefined = userOf(req);
        const id: string | undefined = req.user?.id; // the opt-in above
        res.json({ id: user?.id ?? id, sub: req.auth?.payload.sub });
      });
      app.get('/key', requireApiKey({ lookup: () => undefined }), (req, res) => res.json({ hash: req.apiKey?.hash.length }));
      app.use(errorHandler());
      void gracefulShutdown(app.listen(0), { timeoutMs: 10 });
    `);
    typeCheck(['consumer.ts']);
  });

  it("type-checks beside express-jwt's, express-oauth2-jwt-bearer's and passport's types, with the app's own Express.User", () => {
    // The peers' declarations come from the repository's dev install (no registry access).
    for (const name of ['express-jwt', 'express-oauth2-jwt-bearer', 'express-unless', '@types/jsonwebtoken', '@types/ms', '@types/passport']) {
      run('cp', ['-RL', join(repo, 'node_modules', name), join(consumer, 'node_modules', name)], consumer);
    }
    writeFileSync(join(consumer, 'coexist.ts'), `
      /// <reference types="passport" />
      import express from 'express';
      import { auth as oauth2 } from 'express-oauth2-jwt-bearer';
      import { expressjwt, type Request as JWTRequest } from 'express-jwt';
      import { authOf, createJwtVerifier, requireUser, userOf } from 'express-platform-kit/auth';
      import { requireApiKey } from 'express-platform-kit/api-key';
      // The app's own user type (passport's Express.User), unrelated to the kit's.
      declare global {
        namespace Express {
          interface User { id: number; displayName: string }
        }
      }
      const verifier = createJwtVerifier({ verifyKey: 'x'.repeat(32) });
      const app = express();
      app.get('/oauth', oauth2({ audience: 'api', issuerBaseURL: 'https://issuer.example' }), (req, res) => {
        res.json({ sub: req.auth?.payload.sub });
      });
      app.get('/jwt', expressjwt({ secret: 'x'.repeat(32), algorithms: ['HS256'] }), (req: JWTRequest, res) => {
        res.json({ sub: req.auth?.sub });
      });
      app.get('/kit', requireUser({ verifier }), (req, res) => {
        const id: string | undefined = userOf(req)?.id;
        res.json({ id, sub: authOf(req)?.payload.sub, userId: req.userId });
      });
      app.get('/passport', (req, res) => {
        const id: number | undefined = req.user?.id;
        res.json({ id, authenticated: req.isAuthenticated() });
      });
      app.get('/key', requireApiKey({ lookup: () => undefined }), (req, res) => res.json({ ok: req.apiKey !== undefined }));
    `);
    typeCheck(['coexist.ts']);
  });

  it("type-checks req.rateLimit and ExpressRateLimitStore beside express-rate-limit's own types", () => {
    run('cp', ['-RL', join(repo, 'node_modules', 'express-rate-limit'), join(consumer, 'node_modules', 'express-rate-limit')], consumer);
    writeFileSync(join(consumer, 'rate-limit-coexist.ts'), `
      import express from 'express';
      import { rateLimit as expressRateLimit, type AugmentedRequest, type RateLimitInfo, type Store } from 'express-rate-limit';
      import { createRateLimiter, ExpressRateLimitStore, rateLimit, type RateLimitRequestInfo } from 'express-platform-kit/rate-limit';
      const limiter = createRateLimiter({ name: 'coexist', limit: 10, windowMs: 60_000 });
      const store: Store = new ExpressRateLimitStore({ limiter });
      const app = express();
      app.use('/erl', expressRateLimit({ limit: 10, windowMs: 60_000, store }));
      app.get('/erl', (req, res) => {
        res.json({ used: (req as AugmentedRequest).rateLimit.used });
      });
      app.get('/kit', rateLimit({ limiter }), (req, res) => {
        const ours: RateLimitRequestInfo | undefined = req.rateLimit;
        const theirs: RateLimitInfo = req.rateLimit; // a superset of express-rate-limit's shape
        void req.rateLimit?.refund();
        const erlStyle: number = (req as AugmentedRequest).rateLimit.used;
        res.json({ remaining: ours?.remaining, resetTime: theirs.resetTime, erlStyle });
      });
    `);
    typeCheck(['rate-limit-coexist.ts']);
  });

  it('installs the platform-kit CLI, which writes the document of a consumer module', () => {
    writeFileSync(join(consumer, 'api.mjs'), `
      import { createApiRouter, jsonResponse, z } from 'express-platform-kit/openapi';
      export const router = createApiRouter();
      router.route({ method: 'get', path: '/items/:id', summary: 'One item', request: { params: z.object({ id: z.string() }) },
        responses: { 200: jsonResponse(z.object({ id: z.string() }), 'The item') }, handler: (req, res) => res.json({ id: req.params.id }) });
    `);
    run(join(consumer, 'node_modules', '.bin', 'platform-kit'), ['openapi', 'api.mjs', '--out', 'openapi.json', '--title', 'Consumer', '--version', '1.2.3'], consumer);
    const document = JSON.parse(readFileSync(join(consumer, 'openapi.json'), 'utf8')) as { openapi: string; info: { title: string }; paths: Record<string, unknown> };
    assert.match(document.openapi, /^3\.1/);
    assert.equal(document.info.title, 'Consumer');
    assert.ok(document.paths['/items/{id}'], 'Express path written as an OpenAPI path');
  });

  it('publint and arethetypeswrong report no problem', () => {
    run(bin('publint'), ['--strict', '--pack', 'npm'], repo);
    run(bin('attw'), [tarball, '--profile', 'node16', '--format', 'ascii'], repo);
  });

  it('documents every subpath in package.json exports', () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    for (const sub of subpaths) assert.ok(pkg.exports[`./${sub}`], `exports has ./${sub}`);
  });
});
