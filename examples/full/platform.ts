/**
 * examples/full: the whole kit in one Express 5 service, wired the way the docs recommend.
 *
 * request context + access log → metrics → OpenAPI docs → a global rate limit (Redis with
 * REDIS_URL, memory without) → the annotated API of ./api.ts (JWT, admin and API-key routes)
 * + sessions + integration credentials → the rate-limit admin router behind admin auth →
 * {"detail"} errors. `server.ts` adds logging configuration, alerting and graceful shutdown.
 */
import express, { type Express } from 'express';
import type { StoredAPIKey } from '../../lib/api-key/index.js';
import { requireAdminUser, requireUser, type JwtVerifier } from '../../lib/auth/index.js';
import { metricsHandler, requestMetrics } from '../../lib/alerting/index.js';
import { IntegrationCredentialsStore } from '../../lib/credentials/index.js';
import { errorHandler, HttpError } from '../../lib/errors/index.js';
import { accessLog, requestContext } from '../../lib/logging/index.js';
import { emptyResponse, ErrorDetailBody, generateOpenApiDocument, jsonResponse, serveOpenApi, z, type ApiRouter } from '../../lib/openapi/index.js';
import { createRateLimiter, rateLimit, rateLimitAdminRouter, type RateLimiter } from '../../lib/rate-limit/index.js';
import type { RedisOption } from '../../lib/redis/index.js';
import { clearSessionCookie, readSessionId, requireSession, SessionManager, setSessionCookie } from '../../lib/session/index.js';
import { createFullApi, info } from './api.js';

export interface PlatformAppOptions {
  /** The JWT verifier shared by every auth middleware (one key import, one JWKS cache). */
  verifier: JwtVerifier;
  /** Redis for rate limits, sessions and credentials; omitted → memory (one process). */
  redis?: RedisOption;
  /** ENCRYPTION_KEY of the credentials store. */
  encryptionKey: string;
  /** API keys accepted by `/external/*`. */
  apiKeys?: readonly (StoredAPIKey & { head: string; name?: string })[];
  /** Global per-client policy. Default 600 per minute. */
  globalLimit?: { limit: number; windowMs: number };
  /** `Secure` session cookies. Default: env AUTH_COOKIE_SECURE (true); false only for plain-http development. */
  secureCookies?: boolean;
}

export interface PlatformApp {
  app: Express;
  api: ApiRouter;
  limiter: RateLimiter;
  sessions: SessionManager;
  credentials: IntegrationCredentialsStore;
}

const MaskedCredentials = z
  .object({ id: z.string(), type: z.literal('api_key'), provider: z.string(), title: z.string().nullable().optional(), apiKey: z.string().openapi({ example: '********' }) })
  .openapi('MaskedAPIKeyCredentials');
const NewCredentials = z.object({ provider: z.string().trim().min(1).max(64), apiKey: z.string().min(1).max(4096), title: z.string().max(200).optional() }).openapi('NewAPIKeyCredentials');
const CredentialsId = z.object({ id: z.string().min(1).max(128) });

export function createPlatformApp(options: PlatformAppOptions): PlatformApp {
  const redis = options.redis;
  const auth = { verifier: options.verifier };
  const limiter = createRateLimiter({ name: 'api', limit: options.globalLimit?.limit ?? 600, windowMs: options.globalLimit?.windowMs ?? 60_000, algorithm: 'sliding-window', ...(redis !== undefined ? { redis } : {}) });
  const sessions = new SessionManager({ ttlSeconds: 3600, ...(redis !== undefined ? { redis } : { redis: false }) });
  const credentials = new IntegrationCredentialsStore({ encryptionKey: options.encryptionKey, ...(redis !== undefined ? { redis } : {}) });
  const cookie = options.secureCookies === undefined ? {} : { secure: options.secureCookies }; // default: AUTH_COOKIE_SECURE (true)

  const api = createFullApi({ auth, apiKeys: options.apiKeys, ...(redis !== undefined ? { createGraphLimit: { redis } } : {}) });
  const user = requireUser(auth);
  const session = requireSession({ manager: sessions, cookie });

  api.route({
    method: 'post', path: '/sessions', summary: 'Open a browser session from a JWT', tags: ['sessions'],
    middleware: [user],
    responses: { 201: jsonResponse(z.object({ expiresInSeconds: z.number().int() }), 'Session cookie set (HttpOnly, SameSite=Lax)') },
    handler: async (req, res) => {
      const id = await sessions.create(req.user!.id, { ip: req.ip, userAgent: req.get('user-agent') });
      setSessionCookie(res, id, cookie);
      res.status(201).json({ expiresInSeconds: 3600 });
    },
  });
  api.route({
    method: 'get', path: '/sessions/current', summary: 'The session of the cookie', tags: ['sessions'],
    middleware: [session],
    responses: { 200: jsonResponse(z.object({ userId: z.string(), securityIssues: z.array(z.string()) }), 'The session') },
    handler: (req, res) => res.json({ userId: req.platformSession!.userId, securityIssues: req.platformSession!.securityIssues }),
  });
  api.route({
    method: 'delete', path: '/sessions/current', summary: 'Log out', tags: ['sessions'],
    middleware: [session],
    responses: { 204: emptyResponse('Session destroyed, cookie cleared') },
    handler: async (req, res) => {
      await sessions.destroy(readSessionId(req)!);
      clearSessionCookie(res, cookie);
      res.status(204).end();
    },
  });

  api.route({
    method: 'post', path: '/integrations/credentials', summary: 'Store an API key for a third-party provider', tags: ['integrations'],
    description: 'Encrypted at rest (AES-256-GCM); never returned in clear.',
    middleware: [user],
    request: { body: NewCredentials },
    responses: { 201: jsonResponse(MaskedCredentials, 'Stored (secret masked)') },
    handler: async (req, res) => {
      const saved = await credentials.add(req.user!.id, { type: 'api_key', provider: req.body.provider, apiKey: req.body.apiKey, title: req.body.title });
      res.status(201).json(saved); // Secret fields serialise as "********"
    },
  });
  api.route({
    method: 'get', path: '/integrations/credentials', summary: 'My stored credentials (masked)', tags: ['integrations'],
    middleware: [user],
    responses: { 200: jsonResponse(z.array(MaskedCredentials), 'Credentials, secrets masked') },
    handler: async (req, res) => {
      res.json(await credentials.list(req.user!.id));
    },
  });
  api.route({
    method: 'delete', path: '/integrations/credentials/:id', summary: 'Delete stored credentials', tags: ['integrations'],
    middleware: [user],
    request: { params: CredentialsId },
    responses: { 204: emptyResponse('Deleted'), 404: jsonResponse(ErrorDetailBody, 'No such credentials') },
    handler: async (req, res, next) => {
      if (!(await credentials.delete(req.user!.id, req.params.id))) return next(new HttpError(404, 'Credentials not found'));
      res.status(204).end();
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(requestContext(), accessLog({ skip: (req) => req.path === '/health' || req.path === '/metrics' }));
  app.use(requestMetrics());
  app.get('/metrics', metricsHandler());
  serveOpenApi(app, { document: () => generateOpenApiDocument(api, info) });
  app.use(rateLimit({ limiter, onStoreError: 'open' }));
  app.use(api);
  app.use('/admin', requireAdminUser(auth), rateLimitAdminRouter({ limiter }));
  app.use(errorHandler());
  return { app, api, limiter, sessions, credentials };
}
