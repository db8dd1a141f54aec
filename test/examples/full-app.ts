/**
 * examples/full's one app factory, in-process, with the test JWT secret, a fresh encryption
 * key and memory backends: what the document, hostile-input and docs-page tests run against.
 */
import { randomBytes } from 'node:crypto';
import { createJwtVerifier } from '../../lib/auth/index.js';
import { createPlatformApp, type PlatformApp, type PlatformAppOptions } from '../../examples/full/platform.js';
import { TEST_HS_SECRET } from '../support/jwt.js';

export function createFullTestApp(overrides: Partial<PlatformAppOptions> = {}): PlatformApp {
  return createPlatformApp({
    verifier: createJwtVerifier({ verifyKey: TEST_HS_SECRET, env: {} }),
    encryptionKey: randomBytes(32).toString('hex'),
    secureCookies: false,
    ...overrides,
  });
}
