/**
 * The floor of bench/http (issue 19, item 1): the kit's default stack's work written minimally
 * by hand on node:crypto, AsyncLocalStorage and a file stream — what any implementation of
 * that stack must at least cost. Each piece is also measured alone in the budget table.
 *
 * - floorContext: an AsyncLocalStorage context with a request id (incoming or generated),
 *   echoed in `X-Request-Id`.
 * - floorAccessLog: one JSON line per request on `finish`, to a file stream.
 * - floorJwtHs256: HS256 checked with node:crypto (HMAC, `timingSafeEqual`), two `JSON.parse`,
 *   exp/aud/sub checks; 401 on any failure. floorJwtPublicKey does RS256/ES256 the same way.
 * - floorRateLimit: a `Map` counter (fixed window) and the five rate-limit headers.
 * - floorMetrics: a `Map` counter per method/route/status and a hand-rolled histogram.
 * - floorJsonBody: reads the body, `JSON.parse`, checks the fields by hand; 400 on failure.
 * - floorUnauthorized: the 401 answer itself (status, WWW-Authenticate, JSON detail).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac, createPublicKey, randomUUID, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/** `req.user` as the floor sets it (the kit's `User` type is declaration-merged onto Request). */
type FloorUser = { id: string; email: string; role: string };
const userOf = (req: Request) => (req as unknown as { user?: FloorUser }).user;

export const floorStorage = new AsyncLocalStorage<{ requestId: string }>();

export function floorContext(): RequestHandler {
  return function floorContextMiddleware(req, res, next) {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && incoming.length <= 128 ? incoming : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    floorStorage.run({ requestId }, next);
  };
}

export function floorAccessLog(file: string): RequestHandler {
  const stream = createWriteStream(file, { flags: 'a' });
  return function floorAccessLogMiddleware(req: Request, res, next) {
    const start = performance.now();
    const requestId = floorStorage.getStore()?.requestId;
    res.once('finish', () => {
      stream.write(`${JSON.stringify({
        timestamp: new Date().toISOString(),
        level: 'info',
        message: 'request',
        method: req.method,
        path: req.path,
        status: res.statusCode,
        durationMs: Math.round((performance.now() - start) * 1000) / 1000,
        bytes: Number(res.getHeader('content-length') ?? 0),
        ip: req.socket.remoteAddress,
        userAgent: req.headers['user-agent'],
        requestId,
        userId: userOf(req)?.id,
      })}\n`);
    });
    next();
  };
}

export function floorUnauthorized(res: Response, message: string): void {
  res.statusCode = 401;
  res.setHeader('WWW-Authenticate', message === 'Authorization header is missing' ? 'Bearer' : 'Bearer error="invalid_token"');
  res.json({ detail: message });
}

type SignatureCheck = (signingInput: string, signature: Buffer) => boolean;

/** The JWT work shared by every algorithm: split, check the signature, parse, check claims. */
function floorJwt(algorithm: string, audience: string, checkSignature: SignatureCheck): RequestHandler {
  return function floorJwtMiddleware(req: Request, res: Response, next: NextFunction) {
    const header = req.headers.authorization;
    if (header === undefined || !/^bearer /i.test(header)) return floorUnauthorized(res, 'Authorization header is missing');
    const token = header.slice(7).trim();
    const firstDot = token.indexOf('.');
    const secondDot = token.indexOf('.', firstDot + 1);
    if (firstDot < 0 || secondDot < 0 || token.indexOf('.', secondDot + 1) >= 0) return floorUnauthorized(res, 'Invalid token');
    const signature = Buffer.from(token.slice(secondDot + 1), 'base64url');
    if (!checkSignature(token.slice(0, secondDot), signature)) return floorUnauthorized(res, 'Invalid token: signature');
    let protectedHeader: { alg?: unknown };
    let payload: { sub?: unknown; exp?: unknown; aud?: unknown; email?: unknown; role?: unknown };
    try {
      protectedHeader = JSON.parse(Buffer.from(token.slice(0, firstDot), 'base64url').toString());
      payload = JSON.parse(Buffer.from(token.slice(firstDot + 1, secondDot), 'base64url').toString());
    } catch {
      return floorUnauthorized(res, 'Invalid token');
    }
    if (protectedHeader.alg !== algorithm) return floorUnauthorized(res, 'Invalid token: algorithm');
    if (typeof payload.exp !== 'number' || payload.exp <= Date.now() / 1000) return floorUnauthorized(res, 'Token has expired');
    if (payload.aud !== audience && !(Array.isArray(payload.aud) && payload.aud.includes(audience))) return floorUnauthorized(res, 'Invalid token: audience');
    if (typeof payload.sub !== 'string' || payload.sub === '') return floorUnauthorized(res, 'User ID not found in token');
    (req as unknown as { user: FloorUser }).user = { id: payload.sub, email: typeof payload.email === 'string' ? payload.email : '', role: typeof payload.role === 'string' ? payload.role : 'user' };
    next();
  };
}

export function floorJwtHs256(secret: string, audience: string): RequestHandler {
  const key = Buffer.from(secret);
  return floorJwt('HS256', audience, (signingInput, signature) => {
    const expected = createHmac('sha256', key).update(signingInput).digest();
    return expected.length === signature.length && timingSafeEqual(expected, signature);
  });
}

/** RS256 or ES256 (JWS signatures are raw r‖s for ECDSA: `dsaEncoding: 'ieee-p1363'`). */
export function floorJwtPublicKey(algorithm: 'RS256' | 'ES256', publicKeyPem: string, audience: string): RequestHandler {
  const key: KeyObject = createPublicKey(publicKeyPem);
  const keyInput = algorithm === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
  return floorJwt(algorithm, audience, (signingInput, signature) => verify('sha256', Buffer.from(signingInput), keyInput, signature));
}

export function floorRateLimit(limit: number, windowMs: number): RequestHandler {
  const counters = new Map<string, { count: number; resetAt: number }>();
  const windowSeconds = Math.ceil(windowMs / 1000);
  const policy = `"floor";q=${limit};w=${windowSeconds}`;
  return function floorRateLimitMiddleware(req: Request, res, next) {
    const key = userOf(req)?.id ?? req.socket.remoteAddress ?? 'unknown';
    const now = Date.now();
    let counter = counters.get(key);
    if (counter === undefined || counter.resetAt <= now) {
      counter = { count: 0, resetAt: now + windowMs };
      counters.set(key, counter);
    }
    counter.count += 1;
    const remaining = Math.max(0, limit - counter.count);
    const resetSeconds = Math.ceil((counter.resetAt - now) / 1000);
    res.setHeader('X-RateLimit-Limit', limit);
    res.setHeader('X-RateLimit-Remaining', remaining);
    res.setHeader('X-RateLimit-Reset', Math.ceil(counter.resetAt / 1000));
    res.setHeader('RateLimit-Policy', policy);
    res.setHeader('RateLimit', `"floor";r=${remaining};t=${resetSeconds}`);
    if (counter.count > limit) {
      res.statusCode = 429;
      res.setHeader('Retry-After', resetSeconds);
      res.json({ detail: 'Rate limit exceeded' });
      return;
    }
    next();
  };
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function floorMetrics(): RequestHandler {
  const requests = new Map<string, number>();
  const histograms = new Map<string, { counts: number[]; sum: number; count: number }>();
  return function floorMetricsMiddleware(req, res, next) {
    const start = performance.now();
    res.once('finish', () => {
      const seconds = (performance.now() - start) / 1000;
      const route = (req.route as { path?: string } | undefined)?.path ?? '<unmatched>';
      const labels = `${req.method}|${route}|${res.statusCode}`;
      requests.set(labels, (requests.get(labels) ?? 0) + 1);
      const histogramLabels = `${req.method}|${route}`;
      let histogram = histograms.get(histogramLabels);
      if (histogram === undefined) {
        histogram = { counts: new Array<number>(BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
        histograms.set(histogramLabels, histogram);
      }
      let bucket = 0;
      while (bucket < BUCKETS.length && seconds > BUCKETS[bucket]!) bucket++;
      histogram.counts[bucket]! += 1;
      histogram.sum += seconds;
      histogram.count += 1;
    });
    next();
  };
}

/** Reads a small JSON body and checks `{ name: string (1..100), count: integer ≥ 0 }` by hand. */
export function floorJsonBody(limitBytes = 100 * 1024): RequestHandler {
  return function floorJsonBodyMiddleware(req, res, next) {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
    });
    req.on('end', () => {
      let body: { name?: unknown; count?: unknown };
      try {
        if (size > limitBytes) throw new Error('too large');
        body = JSON.parse(Buffer.concat(chunks).toString());
      } catch {
        res.status(400).json({ detail: 'Malformed JSON' });
        return;
      }
      const { name, count } = body ?? {};
      if (typeof name !== 'string' || name.length < 1 || name.length > 100 || typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
        res.status(400).json({ detail: 'Request validation failed' });
        return;
      }
      req.body = { name, count };
      next();
    });
  };
}

/**
 * The floor stack (main table): bare Express + the pieces above in the kit stack's order —
 * context, access log, HS256, rate limit (memory) — answering `GET /hello` like bare Express.
 */
export function floorApp(options: { logFile: string; secret: string; limit: number }): Express {
  const app = express();
  app.use(floorContext(), floorAccessLog(options.logFile), floorJwtHs256(options.secret, 'authenticated'), floorRateLimit(options.limit, 60_000));
  app.get('/hello', (_req, res) => {
    res.json({ hello: 'world' });
  });
  return app;
}
