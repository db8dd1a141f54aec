import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { RequestHandler } from 'express';
import request from 'supertest';
import { createJwtVerifier, optionalUser, requireAdminUser, requireUser, requireUserId } from '../../lib/auth/index.js';
import { errorHandler } from '../../lib/errors/index.js';
import { forEachExpress } from '../support/express.js';
import { b64url, signToken, supabaseClaims, TEST_HS_SECRET } from '../support/jwt.js';

const verifier = createJwtVerifier({ env: {}, verifyKey: TEST_HS_SECRET });

/** Header-safe text: visible ASCII, space and tab (what an HTTP client can actually send). */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 300 });
const b64Segment = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_='.split('')), maxLength: 80 });
const jsonValue = fc.jsonValue({ maxDepth: 2 });

forEachExpress('auth hostile input (fast-check)', ({ create }) => {
  function appWith(middleware: RequestHandler) {
    const app = create();
    app.get('/me', middleware, (req, res) => res.json({ id: req.user?.id ?? null }));
    app.use(errorHandler({ onServerError: () => {} }));
    return app;
  }
  const apps = [requireUser, requireAdminUser, requireUserId, optionalUser].map((factory) => appWith(factory({ verifier })));

  async function check(authorization: string, extraHeader?: string): Promise<void> {
    for (const app of apps) {
      const req = request(app).get('/me').set('Authorization', authorization);
      if (extraHeader !== undefined) req.set('X-Act-As-User-Id', extraHeader);
      const res = await req;
      assert.ok(res.status < 500, `${res.status} for ${JSON.stringify(authorization.slice(0, 80))}`);
      assert.ok([200, 401, 403].includes(res.status), String(res.status));
      const credentials = authorization.trim().split(/\s+/).slice(1).join(' ');
      if (credentials.length >= 12) assert.ok(!res.text.includes(credentials), 'the body must not echo the credentials');
    }
  }

  it('never answers 5xx for arbitrary Authorization header strings', async () => {
    await fc.assert(fc.asyncProperty(headerText, (header) => check(header)), { numRuns: 60 });
  });

  it('never answers 5xx for Bearer values made of arbitrary JWT-like segments', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(b64Segment, { minLength: 1, maxLength: 5 }), fc.constantFrom('Bearer', 'bearer', 'BEARER'), (segments, scheme) =>
        check(`${scheme} ${segments.join('.')}`),
      ),
      { numRuns: 60 },
    );
  });

  it('never answers 5xx for validly signed tokens with arbitrary claim values', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ sub: jsonValue, email: jsonValue, role: jsonValue, phone: jsonValue, user_metadata: jsonValue, created_at: jsonValue }, { requiredKeys: [] }),
        fc.option(headerText, { nil: undefined }),
        async (claims, actAs) => {
          const jwt = await signToken({ ...supabaseClaims(), ...claims } as never);
          await check(`Bearer ${jwt}`, actAs);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('never answers 5xx for arbitrary JSON headers and payloads (unsigned or garbage-signed)', async () => {
    await fc.assert(
      fc.asyncProperty(jsonValue, jsonValue, b64Segment, (header, payload, signature) => check(`Bearer ${b64url(header)}.${b64url(payload)}.${signature}`)),
      { numRuns: 60 },
    );
  });
});
