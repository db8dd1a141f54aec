/**
 * examples/full: the whole kit in one Express 5 service, wired the way the docs recommend
 * (no listen, so tests and tools can import it).
 *
 * (an OpenTelemetry server span, when tracing is on) → request context + access log → metrics →
 * health and readiness (`/health/livez`, `/health/readyz`) → OpenAPI docs → the annotated API of
 * ./api.ts (global rate limit first, then JWT, admin, API-key and session routes, integration
 * credentials) → the rate-limit admin router behind admin auth → {"detail"} errors.
 * `server.ts` adds logging configuration, tracing, alerting and the SIGTERM order (readiness
 * 503 first, then the drain).
 */
import express, { type Express, type RequestHandler, type Router } from 'express';
import { healthRouter, type HealthRouter } from 'express-platform-kit';
import { metricsHandler, requestMetrics } from 'express-platform-kit/alerting';
import type { StoredAPIKey } from 'express-platform-kit/api-key';
import { requireAdminUser, type JwtVerifier } from 'express-platform-kit/auth';
import { IntegrationCredentialsStore } from 'express-platform-kit/credentials';
import { errorHandler } from 'express-platform-kit/errors';
import { accessLog, requestContext } from 'express-platform-kit/logging';
import { generateOpenApiDocument, serveOpenApi, type ApiRouter } from 'express-platform-kit/openapi';
import { createRateLimiter, rateLimit, rateLimitAdminRouter, type RateLimiter } from 'express-platform-kit/rate-limit';
import type { RedisOption } from 'express-platform-kit/redis';
import { SessionManager } from 'express-platform-kit/session';
import { createFullApi, info, type FullApiOptions } from './api.js';

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
  /** Policy of `POST /graphs` (per user). Default 10 per minute. */
  createGraphLimit?: { limit?: number; windowMs?: number };
  /** `Secure` session cookies. Default: env AUTH_COOKIE_SECURE (true); false only for plain-http development. */
  secureCookies?: boolean;
  /** The Express module to build the app and router with. Default: Express 5 (the tests also pass Express 4). */
  express?: { (): Express; Router(): Router };
  /** Mounted first, before the request context: the OpenTelemetry server span of `./tracing.ts`. */
  tracing?: RequestHandler;
}

export interface PlatformApp {
  app: Express;
  api: ApiRouter;
  limiter: RateLimiter;
  sessions: SessionManager;
  credentials: IntegrationCredentialsStore;
  /** `/health/livez` and `/health/readyz`, and the SIGTERM flow (`health.shutdownOnSignal(server)`). */
  health: HealthRouter;
}

/**
 * The service as an Express app, with the parts tests and operators reach for.
 *
 * @example
 * ```ts
 * const { app } = createPlatformApp({ verifier, encryptionKey: process.env.ENCRYPTION_KEY! })
 * app.listen(8080, '127.0.0.1')
 * ```
 */
export function createPlatformApp(options: PlatformAppOptions): PlatformApp {
  const { redis } = options;
  const backend = redis !== undefined ? { redis } : { redis: false as const }; // memory even when REDIS_URL is set
  const auth = { verifier: options.verifier };
  const limiter = createRateLimiter({ name: 'api', limit: options.globalLimit?.limit ?? 600, windowMs: options.globalLimit?.windowMs ?? 60_000, algorithm: 'sliding-window', ...(redis !== undefined ? { redis } : {}) });
  const sessions = new SessionManager({ ttlSeconds: 3600, ...backend });
  const credentials = new IntegrationCredentialsStore({ encryptionKey: options.encryptionKey, ...backend });
  const apiOptions: FullApiOptions = {
    auth,
    sessions,
    credentials,
    apiKeys: options.apiKeys,
    // The global limit runs first in the API router: it covers every route and what is mounted after it.
    middleware: [rateLimit({ limiter, onStoreError: 'open' })],
    createGraphLimit: { ...options.createGraphLimit, ...(redis !== undefined ? { redis } : {}) },
    ...(options.secureCookies === undefined ? {} : { sessionCookie: { secure: options.secureCookies } }), // default: AUTH_COOKIE_SECURE (true)
    ...(options.express !== undefined ? { router: options.express.Router() } : {}),
  };
  const api = createFullApi(apiOptions);

  const app = (options.express ?? express)();
  app.disable('x-powered-by');
  if (options.tracing) app.use(options.tracing);
  app.use(requestContext(), accessLog({ skip: (req) => req.path === '/health' || req.path.startsWith('/health/') || req.path === '/metrics' }));
  app.use(requestMetrics());
  app.get('/metrics', metricsHandler());
  // Probes: Redis PING when Redis is used (no REDIS_URL fallback: this app passes its backend explicitly).
  const health = healthRouter({ redis: redis ?? false });
  app.use('/health', health);
  serveOpenApi(app, { document: () => generateOpenApiDocument(api, info) });
  app.use(api);
  app.use('/admin', requireAdminUser(auth), rateLimitAdminRouter({ limiter }));
  app.use(errorHandler());
  return { app, api, limiter, sessions, credentials, health };
}
