/**
 * The hand-written floor of a Redis rate limit, for the budget table: one atomic round trip
 * (INCR, PEXPIRE on the first hit, PTTL) on an auto-pipelined ioredis connection, and the
 * same five headers as floorRateLimit. What any Redis limiter must at least cost.
 */
import type { Request, RequestHandler } from 'express';
import { Redis } from 'ioredis';

const FIXED_WINDOW_LUA = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { n, redis.call('PTTL', KEYS[1]) }`;

type FloorRedis = Redis & { floorFixedWindow(key: string, windowMs: number): Promise<[number, number]> };

export function floorRedisRateLimit(redisUrl: string, limit: number, windowMs: number): RequestHandler {
  const client = new Redis(redisUrl, { enableAutoPipelining: true }) as FloorRedis;
  client.defineCommand('floorFixedWindow', { numberOfKeys: 1, lua: FIXED_WINDOW_LUA });
  const policy = `"floor";q=${limit};w=${Math.ceil(windowMs / 1000)}`;
  return function floorRedisRateLimitMiddleware(req: Request, res, next) {
    const key = `floor-rl:{${(req as unknown as { user?: { id: string } }).user?.id ?? req.socket.remoteAddress ?? 'unknown'}}`;
    client.floorFixedWindow(key, windowMs).then(([count, ttlMs]) => {
      const remaining = Math.max(0, limit - count);
      const resetSeconds = Math.ceil(Math.max(0, ttlMs) / 1000);
      res.setHeader('X-RateLimit-Limit', limit);
      res.setHeader('X-RateLimit-Remaining', remaining);
      res.setHeader('X-RateLimit-Reset', Math.ceil((Date.now() + Math.max(0, ttlMs)) / 1000));
      res.setHeader('RateLimit-Policy', policy);
      res.setHeader('RateLimit', `"floor";r=${remaining};t=${resetSeconds}`);
      if (count > limit) {
        res.status(429).setHeader('Retry-After', resetSeconds).json({ detail: 'Rate limit exceeded' });
        return;
      }
      next();
    }, next);
  };
}
