/**
 * bench/session server: one candidate per process (`kit-memory`, `peer-memory`, `kit-redis`,
 * `peer-redis`). POST /login/:user creates a session and sets the cookie; GET /me requires it.
 */
import { createRequire } from 'node:module';
import express from 'express';
import { Redis } from 'ioredis';
import { requireSession, SessionManager, setSessionCookie } from '../../lib/session/index.js';

type Middleware = express.RequestHandler;
const require = createRequire(import.meta.url);
// Loaded untyped: @types/express-session would add a global `req.session` to every module's types.
const session = require('express-session') as (options: Record<string, unknown>) => Middleware;
const RedisStore = (require('connect-redis') as { default: new (options: Record<string, unknown>) => unknown }).default;

const kind = process.argv[2] ?? 'kit-memory';
const redisUrl = process.env.BENCH_REDIS_URL;
const app = express();
app.set('etag', false);

if (kind.startsWith('kit')) {
  const client = kind === 'kit-redis' ? new Redis(redisUrl!) : undefined;
  const manager = new SessionManager({ redis: client ?? false, ttlSeconds: 3600, keyPrefix: 'bench:kit:' });
  app.post('/login/:user', async (req, res) => {
    const id = await manager.create(req.params.user!, { ip: req.ip, userAgent: req.get('user-agent') });
    setSessionCookie(res, id, { secure: false });
    res.json({ ok: true });
  });
  app.get('/me', requireSession({ manager, cookie: { secure: false } }), (req, res) => {
    res.json({ userId: req.platformSession!.userId });
  });
} else {
  const client = kind === 'peer-redis' ? new Redis(redisUrl!) : undefined;
  const store = client ? new RedisStore({ client, prefix: 'bench:peer:', ttl: 3600 }) : undefined;
  // Sliding expiry like the kit: rolling cookie + store touch on every request.
  app.use(session({ secret: 'bench-secret-0123456789-abcdefghij', resave: false, saveUninitialized: false, rolling: true, cookie: { maxAge: 3_600_000, httpOnly: true, sameSite: 'lax' }, ...(store ? { store } : {}) }));
  app.post('/login/:user', (req, res) => {
    const s = (req as unknown as { session: Record<string, unknown> }).session;
    s.userId = req.params.user;
    s.ip = req.ip;
    s.userAgent = req.get('user-agent');
    res.json({ ok: true });
  });
  app.get('/me', (req, res) => {
    const s = (req as unknown as { session: Record<string, unknown> }).session;
    if (!s.userId) return void res.status(401).json({ detail: 'Not authenticated' });
    res.json({ userId: s.userId });
  });
}

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
});
