/**
 * Token and key fixtures for any module's tests: key pairs for every algorithm family, a
 * `signToken` helper with Supabase-shaped defaults, hand-made (unsigned, malformed) tokens,
 * and a local JWKS server on 127.0.0.1 with key rotation and a down mode.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** A 48-character HMAC secret (long enough for the weak-key check). */
export const TEST_HS_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwx';

export interface TestKeyPair {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  /** SPKI PEM of the public key. */
  publicPem: string;
  /** Public JWK with `kid`, `alg` and `use: sig`. */
  publicJwk: JWK;
}

let kidCounter = 0;

/** Generates an asymmetric key pair for `alg` (RS256, PS256, ES256, ES384, EdDSA, ...). */
export async function generateTestKeyPair(alg: string, kid = `${alg.toLowerCase()}-${++kidCounter}`): Promise<TestKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicPem: await exportSPKI(publicKey), publicJwk };
}

/** Default claims of a Supabase access token for `sub`. */
export function supabaseClaims(overrides: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: 'user-123',
    aud: 'authenticated',
    email: 'user@example.com',
    phone: '',
    role: 'user',
    user_metadata: { name: 'Test User' },
    iat: now - 10,
    exp: now + 3600,
    ...overrides,
  };
}

export interface SignOptions {
  alg?: string;
  /** HMAC secret (string or bytes) or a private key; default {@link TEST_HS_SECRET}. */
  key?: string | Uint8Array | CryptoKey;
  kid?: string;
  /** Extra protected-header parameters. */
  header?: Record<string, unknown>;
}

/** Signs `claims` exactly as given (add `supabaseClaims()` yourself for defaults). */
export async function signToken(claims: JWTPayload, options: SignOptions = {}): Promise<string> {
  const alg = options.alg ?? 'HS256';
  const key = options.key ?? TEST_HS_SECRET;
  const secret = typeof key === 'string' ? new TextEncoder().encode(key) : key;
  return new SignJWT(claims)
    .setProtectedHeader({ ...options.header, alg, ...(options.kid ? { kid: options.kid } : {}) })
    .sign(secret as CryptoKey);
}

/** Signs a Supabase-shaped token (defaults + overrides) with a key pair of the fixtures. */
export async function signWith(pair: TestKeyPair, overrides: JWTPayload = {}, withKid = true): Promise<string> {
  return signToken(supabaseClaims(overrides), { alg: pair.alg, key: pair.privateKey, ...(withKid ? { kid: pair.kid } : {}) });
}

/** base64url of a JSON value or raw string. */
export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** A token with `alg: none` and an empty signature. */
export function unsignedToken(claims: JWTPayload, alg = 'none'): string {
  return `${b64url({ alg, typ: 'JWT' })}.${b64url(claims)}.`;
}

export interface JwksServer {
  /** http://127.0.0.1:<port>/.well-known/jwks.json */
  url: string;
  /** How many times the key set was requested. */
  requests(): number;
  /** Replaces the published keys (rotation). */
  setKeys(keys: JWK[]): void;
  /** `'error'`: answer 503; `'refuse'`: stop listening (connection refused); `'hang'`: never answer. */
  down(mode?: 'error' | 'refuse' | 'hang'): Promise<void>;
  /** Requests held open by the `'hang'` mode right now. */
  hanging(): number;
  /** Serves again, on the same port. */
  up(): Promise<void>;
  stop(): Promise<void>;
}

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** Starts a JWKS endpoint on a free loopback port. */
export async function startJwksServer(initialKeys: JWK[]): Promise<JwksServer> {
  let keys = initialKeys;
  let count = 0;
  let failing = false;
  let hang = false;
  const held = new Set<import('node:http').ServerResponse>();
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    count += 1;
    if (hang) {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    if (failing) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance');
      return;
    }
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  };
  let server = createServer(handler);
  const port = await listen(server);
  let listening = true;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    requests: () => count,
    hanging: () => held.size,
    setKeys(next) {
      keys = next;
    },
    async down(mode = 'refuse') {
      if (mode === 'error') {
        failing = true;
        return;
      }
      if (mode === 'hang') {
        hang = true;
        return;
      }
      if (listening) await close(server);
      listening = false;
    },
    async up() {
      failing = false;
      hang = false;
      if (!listening) {
        server = createServer(handler);
        await listen(server, port);
        listening = true;
      }
    },
    async stop() {
      if (listening) await close(server);
      listening = false;
    },
  };
}
