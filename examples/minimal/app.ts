/**
 * examples/minimal: the smallest useful service on embedded defaults (no Redis, no cloud):
 * request context + access log, an in-memory rate limit, JWT auth, {"detail"} errors.
 */
import express, { type Express } from 'express';
import { requireAdminUser, requireUser, type JwtVerifier } from 'express-platform-kit/auth';
import { errorHandler } from 'express-platform-kit/errors';
import { accessLog, getLogger, requestContext } from 'express-platform-kit/logging';
import { rateLimit } from 'express-platform-kit/rate-limit';

const log = getLogger('minimal');

export function createMinimalApp(verifier: JwtVerifier): Express {
  const app = express();
  app.use(requestContext(), accessLog());
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(rateLimit({ name: 'minimal', limit: 60, windowMs: 60_000 }));
  app.get('/me', requireUser({ verifier }), (req, res) => {
    log.info('who am I', { email: req.user?.email });
    res.json(req.user);
  });
  app.get('/admin', requireAdminUser({ verifier }), (_req, res) => {
    res.json({ admin: true });
  });
  app.use(errorHandler());
  return app;
}
