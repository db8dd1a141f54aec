/**
 * `npm run example:full`: the whole kit in one service on 127.0.0.1:$PORT (default 8080).
 *
 * Embedded defaults: without JWT_VERIFY_KEY / ENCRYPTION_KEY a random per-process secret and
 * key are generated (development only: tokens and stored credentials die with the process),
 * and a user token, an admin token and an API key are printed with curl lines. REDIS_URL makes
 * rate limits, sessions and credentials distributed. With the OpenTelemetry packages installed,
 * a tracer provider is registered (./tracing.ts; EXAMPLE_OTEL=false turns it off) and every log
 * line carries its span's ids. SIGTERM/SIGINT, in the Kubernetes order: `/health/readyz`
 * answers 503 first, and after READINESS_DELAY_MS (default 5000 with NODE_ENV=production, else
 * 1000) the server stops accepting, finishes in-flight requests, flushes spans, releases locks,
 * closes Redis, flushes logs and exits 0.
 *
 * Example-only env: EXAMPLE_CLOUD_LOGGING_ENDPOINT=host:port sends logs to a Cloud Logging
 * API endpoint without TLS (the outage drills point it at loopback).
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { AlertManager, loggerNotifier, startAlertEvaluator } from 'express-platform-kit/alerting';
import { APIKeyManager } from 'express-platform-kit/api-key';
import { createJwtVerifier } from 'express-platform-kit/auth';
import { loadRateLimitSettings } from 'express-platform-kit/rate-limit';
import { configureLogging, getLogger, type CloudLoggingOptions } from 'express-platform-kit/logging';
import { createPlatformApp } from './platform.js';
import { startTracing } from './tracing.js';

async function cloudOptions(): Promise<CloudLoggingOptions | undefined> {
  const endpoint = process.env.EXAMPLE_CLOUD_LOGGING_ENDPOINT;
  if (!endpoint) return undefined;
  const grpc = await import('@grpc/grpc-js');
  const [host, port] = endpoint.split(':');
  return { mode: 'api', projectId: 'example-project', resource: { type: 'global' }, apiEndpoint: host, port: Number(port), sslCreds: grpc.credentials.createInsecure() };
}

const cloud = await cloudOptions();
configureLogging(cloud ? { cloud } : {});
const log = getLogger('example');
const tracing = await startTracing(); // undefined without the OpenTelemetry packages

const secret = process.env.JWT_VERIFY_KEY?.trim() || randomBytes(48).toString('base64url');
const encryptionKey = process.env.ENCRYPTION_KEY?.trim() || `dev:${randomBytes(32).toString('base64url')}`;
// A static key: the verified-token cache is safe and removes the largest per-request cost (docs/auth.md).
const verifier = createJwtVerifier({ verifyKey: secret, algorithm: 'HS256', audience: 'authenticated', cache: true });
const keys = new APIKeyManager();
const demoKey = await keys.generate();
const redis = process.env.REDIS_URL?.trim() || undefined;
const { requestsPerMinute, windowSeconds } = loadRateLimitSettings(); // RATE_LIMIT_REQUESTS_PER_MINUTE (60), RATE_LIMIT_WINDOW_SECONDS (60)

const { app, health } = createPlatformApp({
  verifier,
  encryptionKey,
  ...(redis ? { redis } : {}),
  apiKeys: [{ head: demoKey.head, hash: demoKey.hash, salt: demoKey.salt, name: 'demo' }],
  globalLimit: { limit: requestsPerMinute, windowMs: windowSeconds * 1000 },
  secureCookies: process.env.AUTH_COOKIE_SECURE === undefined ? false : undefined,
  ...(tracing ? { tracing: tracing.middleware } : {}),
});

const alerts = startAlertEvaluator({ manager: new AlertManager({ notifier: loggerNotifier(), source: 'examples/full' }) });

const sign = (sub: string, role: string) =>
  new SignJWT({ email: `${role}@example.com`, role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setAudience('authenticated')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
const userToken = await sign('00000000-0000-4000-8000-000000000001', 'authenticated');
const adminToken = await sign('00000000-0000-4000-8000-0000000000ad', 'admin');

const port = Number(process.env.PORT ?? 8080);
const server = app.listen(port, '127.0.0.1', () => {
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.stdout.write(
    `\nexamples/full listening on ${base} (docs: ${base}/docs)  ${redis ? 'Redis' : 'memory (no REDIS_URL)'}\n\n` +
      `USER_TOKEN=${userToken}\nADMIN_TOKEN=${adminToken}\nAPI_KEY=${demoKey.key}\n\n` +
      `curl -s -H "Authorization: Bearer $USER_TOKEN" ${base}/me\n` +
      `curl -s -H "Authorization: Bearer $USER_TOKEN" -H 'content-type: application/json' -d '{"name":"Daily digest"}' ${base}/graphs\n` +
      `curl -s -H "Authorization: Bearer $ADMIN_TOKEN" ${base}/admin/stats\n` +
      `curl -s -H "X-API-Key: $API_KEY" ${base}/external/graphs/<graph id>\n` +
      `curl -s -H "Authorization: Bearer $ADMIN_TOKEN" ${base}/admin/rate-limit/<client key>\n` +
      `curl -s ${base}/health/readyz\n` +
      `curl -s ${base}/metrics\n\n`,
  );
  log.info('examples/full started', { redis: Boolean(redis), tracing: Boolean(tracing) });
});

// SIGTERM/SIGINT: readiness 503 at once (the load balancer stops sending), then after the delay
// gracefulShutdown drains in-flight requests and runs the closers; exit 0 when all went well.
health.shutdownOnSignal(server, {
  readinessDelayMs: Number(process.env.READINESS_DELAY_MS ?? (process.env.NODE_ENV === 'production' ? 5000 : 1000)),
  shutdown: { timeoutMs: Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 10_000) },
  onDone: () => alerts.stop(),
});
