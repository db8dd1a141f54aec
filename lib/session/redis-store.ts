/**
 * The Redis session backend (standalone or Cluster).
 *
 * Keys (prefix `epk:session:` by default; `b` is the routing bucket from the session id):
 *   `<prefix>{b}:s:<sha256(id)>`      hash: e (expires at, ms), l (last seen), c (created), u (index key), d (JSON data)
 *   `<prefix>{b}:u:<sha256(userId)>`  sorted set: member sha256(id), score = that session's expiry
 * A user's sessions and index share the hash tag `{b}`, so each script below runs on one node
 * and is atomic there. Scripts reach the index through the key name stored in the session (or
 * derive session keys from the index key): undeclared keys, but always in the same slot as
 * KEYS[1] by construction, which Redis Cluster accepts (the BullMQ pattern).
 * Time is Redis server time (`TIME`), so app hosts with skewed clocks agree on expiry.
 */
import type { RedisClient } from '../redis/index.js';
import type { SessionRef, UserRef } from './session-id.js';
import type { SessionStore, TouchResult } from './types.js';

const NOW = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function s(n) return string.format('%.0f', n) end
`;

// KEYS[1] session, KEYS[2] user index; ARGV ttlMs, graceMs, data, member.
// One script so that a session never exists outside its user's index (destroy-all sees it).
const CREATE = `${NOW}
local ttl, grace = tonumber(ARGV[1]), tonumber(ARGV[2])
local exp = now + ttl
redis.call('HSET', KEYS[1], 'e', s(exp), 'l', s(now), 'c', s(now), 'u', KEYS[2], 'd', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl + grace)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', s(now))
redis.call('ZADD', KEYS[2], s(exp), ARGV[4])
if redis.call('PTTL', KEYS[2]) < ttl + grace then redis.call('PEXPIRE', KEYS[2], ttl + grace) end
return 1`;

// KEYS[1] session; ARGV ttlMs, graceMs, member.
// Read, check expiry and slide it in one step: two concurrent validations cannot revive a
// session that expired between them, and the index score always equals the session's expiry.
const TOUCH = `${NOW}
local v = redis.call('HMGET', KEYS[1], 'e', 'u', 'c', 'd')
if not v[1] then return {'missing'} end
if tonumber(v[1]) <= now then
  if v[2] then redis.call('ZREM', v[2], ARGV[3]) end
  return {'expired'}
end
local ttl, grace = tonumber(ARGV[1]), tonumber(ARGV[2])
local exp = now + ttl
redis.call('HSET', KEYS[1], 'e', s(exp), 'l', s(now))
redis.call('PEXPIRE', KEYS[1], ttl + grace)
if v[2] then
  redis.call('ZADD', v[2], 'XX', s(exp), ARGV[3])
  if redis.call('PTTL', v[2]) < ttl + grace then redis.call('PEXPIRE', v[2], ttl + grace) end
end
return {'ok', v[3] or s(now), s(now), s(exp), v[4] or ''}`;

// KEYS[1] session; ARGV member.
const DESTROY = `
local idx = redis.call('HGET', KEYS[1], 'u')
local n = redis.call('DEL', KEYS[1])
if idx then redis.call('ZREM', idx, ARGV[1]) end
return n`;

// KEYS[1] user index; ARGV index suffix ('u:<hash>'). Session keys share the index key's
// prefix and tag: replace the suffix by 's:<member>'. A session created after this script is
// in the (new) index and survives, as it should.
const DESTROY_ALL = `${NOW}
local base = string.sub(KEYS[1], 1, #KEYS[1] - #ARGV[1])
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
local live = 0
for _, m in ipairs(members) do
  local key = base .. 's:' .. m
  local e = redis.call('HGET', key, 'e')
  if e and tonumber(e) > now then live = live + 1 end
  redis.call('DEL', key)
end
redis.call('DEL', KEYS[1])
return live`;

interface SessionCommands {
  epkSessionCreate(session: string, index: string, ttlMs: number, graceMs: number, data: string, member: string): Promise<number>;
  epkSessionTouch(session: string, ttlMs: number, graceMs: number, member: string): Promise<string[]>;
  epkSessionDestroy(session: string, member: string): Promise<number>;
  epkSessionDestroyAll(index: string, suffix: string): Promise<number>;
}

function defineCommands(client: RedisClient): SessionCommands {
  const commands = client as unknown as SessionCommands & Record<string, unknown>;
  if (typeof commands.epkSessionTouch !== 'function') {
    client.defineCommand('epkSessionCreate', { numberOfKeys: 2, lua: CREATE });
    client.defineCommand('epkSessionTouch', { numberOfKeys: 1, lua: TOUCH });
    client.defineCommand('epkSessionDestroy', { numberOfKeys: 1, lua: DESTROY });
    client.defineCommand('epkSessionDestroyAll', { numberOfKeys: 1, lua: DESTROY_ALL });
  }
  return commands;
}

export interface RedisSessionStoreOptions {
  ttlMs: number;
  graceMs: number;
  keyPrefix: string;
}

export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis' as const;
  private readonly commands: SessionCommands;

  constructor(client: RedisClient, private readonly options: RedisSessionStoreOptions) {
    this.commands = defineCommands(client);
  }

  sessionKey(ref: SessionRef): string {
    return `${this.options.keyPrefix}{${ref.bucket}}:s:${ref.idHash}`;
  }

  indexKey(user: UserRef): string {
    return `${this.options.keyPrefix}{${user.bucket}}:u:${user.userHash}`;
  }

  async create(ref: SessionRef, user: UserRef, data: string): Promise<void> {
    await this.commands.epkSessionCreate(this.sessionKey(ref), this.indexKey(user), this.options.ttlMs, this.options.graceMs, data, ref.idHash);
  }

  async touch(ref: SessionRef): Promise<TouchResult> {
    const reply = await this.commands.epkSessionTouch(this.sessionKey(ref), this.options.ttlMs, this.options.graceMs, ref.idHash);
    const [state, createdAt, lastSeenAt, expiresAt, data] = reply.map(String);
    if (state === 'missing') return { state: 'missing' };
    if (state === 'expired') return { state: 'expired' };
    return { state: 'ok', createdAt: Number(createdAt), lastSeenAt: Number(lastSeenAt), expiresAt: Number(expiresAt), data: data ?? '' };
  }

  async destroy(ref: SessionRef): Promise<boolean> {
    return (await this.commands.epkSessionDestroy(this.sessionKey(ref), ref.idHash)) > 0;
  }

  async destroyUser(user: UserRef): Promise<number> {
    return Number(await this.commands.epkSessionDestroyAll(this.indexKey(user), `u:${user.userHash}`));
  }
}
