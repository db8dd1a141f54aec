/**
 * The budget table's variants (issue 19, item 2): each layer alone on bare Express — the kit's
 * middleware, the peer doing that job where there is one, and the floor's hand-written piece.
 * Every app answers `POST /hello` (a small JSON body, a bearer token, `x-bench-user`) with the
 * same JSON as bare Express, so a layer's cost is its server CPU per request minus bare's.
 *
 * The rate-limit layers key on a user: a stub sets `req.user` from `x-bench-user` in every
 * app (bare included, so it cancels out), as the kit's auth would before the limiter.
 */
import { generateKeyPairSync } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { expressjwt } from 'express-jwt';
import expressWinston from 'express-winston';
import { rateLimit as expressRateLimit, MemoryStore } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { Redis } from 'ioredis';
import { Counter, Histogram, Registry } from 'prom-client';
import winston from 'winston';
import { z } from 'zod';
import { requestMetrics } from '../../lib/alerting/index.js';
import { createJwtVerifier, requireUser } from '../../lib/auth/index.js';
import { errorHandler } from '../../lib/errors/index.js';
import { accessLog, requestContext } from '../../lib/logging/index.js';
import { createApiRouter, jsonResponse, z as kitZ } from '../../lib/openapi/index.js';
import { rateLimit } from '../../lib/rate-limit/index.js';
import { floorAccessLog, floorContext, floorJsonBody, floorJwtHs256, floorJwtPublicKey, floorMetrics, floorRateLimit } from './floor.js';
import { floorRedisRateLimit } from './floor-redis.js';
import { configureKitFileLogging, kitRateLimitAlgorithm } from './kit-stack.js';
import type { BenchAppOptions } from './options.js';

export type TokenKind = 'HS256' | 'RS256' | 'ES256' | 'none';
export type LayerGroup = 'kit' | 'peer' | 'floor';

export interface LayerVariant {
  /** Server kind: `layer:<id>`. */
  id: string;
  /** Row of the budget table. */
  layer: string;
  group: LayerGroup;
  /** Who does the job in this variant. */
  label: string;
  /** Which token the requests carry (`none`: no Authorization header). */
  token: TokenKind;
  /** The status every response must have. */
  status: number;
  build(options: BenchAppOptions): Express | Promise<Express>;
}

/** The request body every budget request sends (the route() layers validate it). */
export const BUDGET_BODY = JSON.stringify({ name: 'widget', count: 3 });

const userStub: RequestHandler = function benchUserStub(req, _res, next) {
  const id = req.headers['x-bench-user'];
  if (typeof id === 'string') (req as unknown as { user?: { id: string } }).user = { id };
  next();
};

/** Bare Express for the budget: the user stub and `POST /hello`; layers go between them. */
export function budgetApp(layers: RequestHandler[] = [], errorHandlers: ErrorRequestHandler[] = []): Express {
  const app = express();
  app.use(userStub, ...layers);
  app.post('/hello', (_req, res) => {
    res.json({ hello: 'world' });
  });
  if (errorHandlers.length > 0) app.use(...errorHandlers);
  return app;
}

const AUDIENCE = 'authenticated';
const Body = z.object({ name: z.string().min(1).max(100), count: z.number().int().min(0) });
const KitBody = kitZ.object({ name: kitZ.string().min(1).max(100), count: kitZ.number().int().min(0) });

function publicKey(options: BenchAppOptions, algorithm: 'RS256' | 'ES256'): string {
  const pem = algorithm === 'RS256' ? options.rs256PublicKey : options.es256PublicKey;
  if (!pem) throw new Error(`no ${algorithm} public key (BENCH_${algorithm}_PUBLIC_KEY)`);
  return pem;
}

function kitVerifier(options: BenchAppOptions, algorithm: 'HS256' | 'RS256' | 'ES256') {
  const verifyKey = algorithm === 'HS256' ? options.secret : publicKey(options, algorithm);
  return createJwtVerifier({ verifyKey, algorithm, audience: AUDIENCE, cache: false });
}

function expressJwtFor(options: BenchAppOptions, algorithm: 'HS256' | 'RS256' | 'ES256'): RequestHandler {
  // express-jwt as its README shows it: a string secret (HS256) or a PEM public key.
  const secret = algorithm === 'HS256' ? options.secret : publicKey(options, algorithm);
  return expressjwt({ secret, algorithms: [algorithm], audience: AUDIENCE }) as unknown as RequestHandler;
}

const peerErrorHandler: ErrorRequestHandler = function peerErrorHandler(err, _req, res, _next) {
  const status = (err as { status?: number }).status ?? 500;
  res.status(status).set('WWW-Authenticate', 'Bearer').json({ detail: (err as Error).message });
};

function promClientMetrics(): RequestHandler {
  // prom-client used directly, as its README shows (no express-prom-bundle installed).
  const registry = new Registry();
  const requests = new Counter({ name: 'http_requests_total', help: 'requests', labelNames: ['method', 'route', 'status_code'], registers: [registry] });
  const duration = new Histogram({ name: 'http_request_duration_seconds', help: 'latency', labelNames: ['method', 'route'], registers: [registry] });
  return function promClientMetricsMiddleware(req, res, next) {
    const end = duration.startTimer();
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? '<unmatched>';
      requests.inc({ method: req.method, route, status_code: String(res.statusCode) });
      end({ method: req.method, route });
    });
    next();
  };
}

function erlStore(options: BenchAppOptions) {
  if (!options.redisUrl) return new MemoryStore();
  const client = new Redis(options.redisUrl, { enableAutoPipelining: true });
  return new RedisStore({ sendCommand: (command: string, ...args: string[]) => client.call(command, ...args) as Promise<RedisReply> });
}

function erl(options: BenchAppOptions, redis: boolean): RequestHandler {
  return expressRateLimit({
    windowMs: 60_000,
    limit: options.limit,
    store: erlStore(redis ? options : { ...options, redisUrl: undefined }),
    standardHeaders: 'draft-8',
    legacyHeaders: true,
    keyGenerator: (req) => String((req as unknown as { user?: { id?: string } }).user?.id ?? 'anonymous'),
    validate: false,
  });
}

function kitRoute(): Express {
  const app = express();
  const api = createApiRouter();
  api.route({
    method: 'post',
    path: '/hello',
    summary: 'Hello',
    request: { body: KitBody },
    responses: { 200: jsonResponse(kitZ.object({ hello: kitZ.string() }), 'Hello') },
    handler: (_req, res) => {
      res.json({ hello: 'world' });
    },
  });
  app.use(userStub, api);
  app.use(errorHandler());
  return app;
}

function zodParse(): RequestHandler {
  return function zodParseMiddleware(req, res, next) {
    const parsed = Body.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ detail: parsed.error.issues });
      return;
    }
    req.body = parsed.data;
    next();
  };
}

function requireRedis(options: BenchAppOptions): string {
  if (!options.redisUrl) throw new Error('this layer needs BENCH_REDIS_URL');
  return options.redisUrl;
}

type Row = [id: string, group: LayerGroup, label: string, build: LayerVariant['build'], token?: TokenKind, status?: number];

function rows(layer: string, entries: Row[]): LayerVariant[] {
  return entries.map(([id, group, label, build, token = 'HS256', status = 200]) => ({ id, layer, group, label, build, token, status }));
}

/** Every budget variant, grouped by layer (kit first, then peers, then the floor piece). */
export const LAYER_VARIANTS: LayerVariant[] = [
  ...rows('requestContext', [
    ['kit-context', 'kit', 'requestContext()', () => budgetApp([requestContext()])],
    ['floor-context', 'floor', 'AsyncLocalStorage + request id', () => budgetApp([floorContext()])],
  ]),
  ...rows('accessLog to a file', [
    ['kit-access', 'kit', 'accessLog() (kit file logging, json)', (o) => {
      configureKitFileLogging(o);
      return budgetApp([accessLog()]);
    }],
    ['peer-express-winston', 'peer', 'express-winston (File transport, json)', (o) => budgetApp([expressWinston.logger({
      transports: [new winston.transports.File({ filename: o.logFile })],
      format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      meta: true,
      expressFormat: true,
    }) as unknown as RequestHandler])],
    ['peer-pino-http', 'peer', 'pino-http (pino.destination)', async (o) => {
      const pino = (await import('pino')).default;
      const { pinoHttp } = await import('pino-http');
      return budgetApp([pinoHttp({ logger: pino(pino.destination(o.logFile)) }) as unknown as RequestHandler]);
    }],
    ['floor-access', 'floor', 'one JSON line on finish to a file stream', (o) => budgetApp([floorAccessLog(o.logFile)])],
  ]),
  ...rows('requestMetrics', [
    ['kit-metrics', 'kit', 'requestMetrics()', () => budgetApp([requestMetrics()])],
    ['peer-prom-client', 'peer', 'prom-client Counter + Histogram by hand', () => budgetApp([promClientMetrics()])],
    ['floor-metrics', 'floor', 'Map counter + hand-rolled histogram', () => budgetApp([floorMetrics()])],
  ]),
  ...rows('rateLimit (memory)', [
    ['kit-rl-memory', 'kit', `rateLimit() memory, ${kitRateLimitAlgorithm() ?? 'default algorithm'}`, (o) => budgetApp([rateLimit({ name: 'bench', limit: o.limit, store: 'memory', ...algorithmOption() })])],
    ['peer-erl-memory', 'peer', 'express-rate-limit MemoryStore', (o) => budgetApp([erl(o, false)])],
    ['floor-rl-memory', 'floor', 'Map counter + 5 headers', (o) => budgetApp([floorRateLimit(o.limit, 60_000)])],
  ]),
  ...rows('rateLimit (Redis)', [
    ['kit-rl-redis', 'kit', `rateLimit() Redis, ${kitRateLimitAlgorithm() ?? 'default algorithm'}`, (o) => budgetApp([rateLimit({ name: 'bench', limit: o.limit, redis: requireRedis(o), ...algorithmOption() })])],
    ['peer-erl-redis', 'peer', 'express-rate-limit + rate-limit-redis', (o) => budgetApp([erl({ ...o, redisUrl: requireRedis(o) }, true)])],
    ['floor-rl-redis', 'floor', 'one Lua INCR/PEXPIRE round trip + 5 headers', (o) => budgetApp([floorRedisRateLimit(requireRedis(o), o.limit, 60_000)])],
  ]),
  ...(['HS256', 'RS256', 'ES256'] as const).flatMap((algorithm) => rows(`requireUser ${algorithm}`, [
    [`kit-jwt-${algorithm}`, 'kit', 'requireUser() (JWT cache off)', (o) => budgetApp([requireUser({ verifier: kitVerifier(o, algorithm) })], [errorHandler()]), algorithm],
    [`peer-jwt-${algorithm}`, 'peer', 'express-jwt', (o) => budgetApp([expressJwtFor(o, algorithm)], [peerErrorHandler]), algorithm],
    [`floor-jwt-${algorithm}`, 'floor', `node:crypto ${algorithm === 'HS256' ? 'HMAC + timingSafeEqual' : 'verify'}`, (o) => budgetApp([
      algorithm === 'HS256' ? floorJwtHs256(o.secret, AUDIENCE) : floorJwtPublicKey(algorithm, publicKey(o, algorithm), AUDIENCE),
    ]), algorithm],
  ])),
  ...rows('route() validating a small JSON body', [
    ['kit-route', 'kit', 'createApiRouter().route() with a body schema', () => kitRoute()],
    ['peer-zod', 'peer', "express.json() + zod's own safeParse", () => budgetApp([express.json(), zodParse()])],
    ['floor-body', 'floor', 'read + JSON.parse + typeof checks', () => budgetApp([floorJsonBody()])],
  ]),
  ...rows('errorHandler path of a 401 (no token)', [
    ['kit-401', 'kit', 'requireUser() → errorHandler()', (o) => budgetApp([requireUser({ verifier: kitVerifier(o, 'HS256') })], [errorHandler()]), 'none', 401],
    ['peer-401', 'peer', 'express-jwt → a 3-line error handler', (o) => budgetApp([expressJwtFor(o, 'HS256')], [peerErrorHandler]), 'none', 401],
    ['floor-401', 'floor', 'status + WWW-Authenticate + JSON detail', (o) => budgetApp([floorJwtHs256(o.secret, AUDIENCE)]), 'none', 401],
  ]),
];

function algorithmOption(): { algorithm?: 'sliding-log' | 'sliding-window' | 'token-bucket' } {
  const algorithm = kitRateLimitAlgorithm();
  return algorithm ? { algorithm } : {};
}

/** Key pairs for the RS256/ES256 layers (PEM public keys go to the servers). */
export function publicKeyPairs() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    RS256: { privateKey: rsa.privateKey, publicKeyPem: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    ES256: { privateKey: ec.privateKey, publicKeyPem: ec.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
  };
}
