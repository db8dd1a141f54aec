/**
 * The Lua scripts of the Redis store, one per algorithm, mirroring algorithms.ts.
 *
 * Why Lua: read, decide and write happen in ONE atomic step on the server, in ONE round trip,
 * so concurrent checks from any number of processes can never both take the last slot.
 * Why `TIME` inside the script: every app host gets the same clock (Redis's), so skewed hosts
 * agree on windows. Redis 7 replicates script effects (not the script), so a non-deterministic
 * command like `TIME` is allowed before writes.
 *
 * Each script touches exactly one key (KEYS[1]), which carries the client's hash tag: the
 * scripts run unchanged on a Redis Cluster.
 *
 * Lua time is Redis time, and Redis runs one script at a time, so the scripts are built per
 * policy and kept lean (measured with INFO commandstats, see bench/rate-limit/RESULTS.md):
 * - the policy (limit, window, capacity) is baked into the script text as number literals: no
 *   arguments to send, parse and convert on every call (one script per limiter policy);
 * - a check script and a read-only info script, instead of a flag tested on every call;
 * - an allowed check answers ONE integer, `remaining * 2^33 + resetAfterMs` (exact: remaining
 *   < 2^20, reset < 2^33, so < 2^53), instead of a table; a rejection or a read answers
 *   `{ allowed, remaining, retryAfterMs, resetAfterMs, current }`.
 * Durations, not instants: the caller converts them to its own clock.
 */
import type { RateLimitStorePolicy } from './types.js';

/** Multiplier of `remaining` in the packed integer reply of an allowed check (2^33). */
export const PACKED_REMAINING_UNIT = 8_589_934_592;

const num = (value: number): string => {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`rate limit policy values must be non-negative integers (got ${value})`);
  return String(value);
};

// The fast paths avoid Lua->C calls (math.floor & co.) and number->string conversions of
// redis.call arguments (Redis formats every Lua number with "%.17g": ~0.35 µs each): integers
// are floored as \`x - x % 1\` and ceiled as \`x + (-x % 1)\` (exact for |x| < 2^52), and constant
// arguments are string literals.
const PRELUDE = `local t = redis.call('TIME')
local now = t[1] * 1000 + t[2] / 1000
local eps = 1e-9
`;
const SLOW = `local floor, ceil, max = math.floor, math.ceil, math.max
`;

/**
 * Sliding log: a sorted set of the allowed requests of the last window, scored by time (integer
 * microseconds). Members are unique per check (ARGV[1]; two requests in the same microsecond both
 * count); rejected requests are not added, so hammering does not extend the ban.
 */
function slidingLogLua(policy: RateLimitStorePolicy, consume: boolean): string {
  const limit = num(policy.limit);
  const window = num(policy.windowMs);
  const fast = consume ? `
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], '${window}')
  return (limit - count - 1) * ${PACKED_REMAINING_UNIT} + ${window}
end` : '';
  // Scores are integer microseconds: a small sorted set (listpack) stores them as integers and
  // compares them without parsing a decimal string per entry (ZADD scans the entries).
  return `local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
local limit, span = ${limit}, ${num(policy.windowMs * 1000)}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - span)
local count = redis.call('ZCARD', KEYS[1])${fast}
${SLOW}-- the log is only read back on the slow paths: a rejection or a read-only look
local retry = 0
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  retry = max(1, ceil((tonumber(oldest[2]) + span - now) / 1000))
end
local reset = 0
if count > 0 then
  local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  reset = max(0, ceil((tonumber(newest[2]) + span - now) / 1000))
end
return { 0, limit - count, retry, reset, count }
`;
}

/**
 * Sliding window: one small hash {i = window index, c = count in it, p = count in the previous
 * window}; the estimate weights the previous window by how much of it still overlaps. O(1)
 * memory per key whatever the limit. Within a window an allowed check is one HINCRBY: the
 * expiry (end of the next window, when the counts stop mattering) is set once per window.
 */
function slidingWindowLua(policy: RateLimitStorePolicy, consume: boolean): string {
  const fast = consume ? `
if estimate + 1 <= limit + eps then
  if stored == index then
    redis.call('HINCRBY', KEYS[1], 'c', '1')
  else
    redis.call('HSET', KEYS[1], 'i', index, 'c', current + 1, 'p', previous)
    redis.call('PEXPIREAT', KEYS[1], (index + 2) * window)
  end
  local remaining = limit - estimate - 1 + eps
  if remaining < 0 then remaining = 0 end
  local reset = 2 * window - elapsed
  return (remaining - remaining % 1) * ${PACKED_REMAINING_UNIT} + reset + (-reset % 1)
end` : '';
  return `${PRELUDE}local limit, window = ${num(policy.limit)}, ${num(policy.windowMs)}
local elapsed = now % window
local index = (now - elapsed) / window
local state = redis.call('HMGET', KEYS[1], 'i', 'c', 'p')
local stored = state[1]
local current, previous = 0, 0
if stored then
  stored = stored + 0
  if stored == index then
    current = (state[2] or 0) + 0
    previous = (state[3] or 0) + 0
  elseif stored == index - 1 then
    previous = (state[2] or 0) + 0
  end
end
local estimate = previous * (window - elapsed) / window + current${fast}
${SLOW}local retry = 0
if estimate + 1 > limit + eps then
  local wait
  if current + 1 <= limit and previous > 0 then
    wait = window * (1 - (limit - 1 - current) / previous) - elapsed
  else
    wait = window - elapsed + window * (1 - (limit - 1) / current)
  end
  retry = max(1, ceil(wait))
end
local reset = 0
if current > 0 then reset = 2 * window - elapsed elseif previous > 0 then reset = window - elapsed end
return { 0, max(0, floor(limit - estimate + eps)), retry, ceil(reset), ceil(estimate - eps) }
`;
}

/**
 * Token bucket, stored as the moment the bucket is full again (GCRA's "theoretical arrival
 * time"): one small hash {g = that moment in ms, x = the key's expiry}. Tokens now are
 * `capacity - max(0, g - now) * rate`, the same bucket as algorithms.ts (`limit` tokens per
 * window, up to `capacity`) with one number to write instead of two. A rejected check writes
 * nothing. The key must outlive `g` (an absent key IS a full bucket); its expiry is pushed a
 * whole refill further only when `g` passes it, so most checks are one HSET.
 */
function tokenBucketLua(policy: RateLimitStorePolicy, consume: boolean): string {
  const fast = consume ? `
if tokens + eps >= 1 then
  tokens = tokens - 1
  local wait = (capacity - tokens) / rate
  local full = now + wait
  if full > deadline then
    deadline = full + capacity / rate
    deadline = deadline + (-deadline % 1)
    redis.call('HSET', KEYS[1], 'g', full, 'x', deadline)
    redis.call('PEXPIREAT', KEYS[1], deadline)
  else
    redis.call('HSET', KEYS[1], 'g', full)
  end
  local reset = wait + (-wait % 1)
  local remaining = tokens + eps
  if remaining < 0 then remaining = 0 end
  remaining = remaining - remaining % 1
  if reset < ${PACKED_REMAINING_UNIT} then return remaining * ${PACKED_REMAINING_UNIT} + reset end
  return { 1, remaining, 0, reset, 0 }
end` : '';
  return `${PRELUDE}local limit, window, capacity = ${num(policy.limit)}, ${num(policy.windowMs)}, ${num(policy.capacity)}
local rate = limit / window
local tokens, deadline = capacity, 0
local state = redis.call('HMGET', KEYS[1], 'g', 'x')
if state[1] then
  local owed = state[1] - now
  if owed > 0 then tokens = capacity - owed * rate end
  deadline = (state[2] or 0) + 0
end${fast}
${SLOW}local retry = 0
if tokens + eps < 1 then retry = max(1, ceil((1 - tokens) / rate)) end
local reset = max(0, ceil((capacity - tokens) / rate))
return { 0, max(0, floor(tokens + eps)), retry, reset, max(0, ceil(capacity - tokens - eps)) }
`;
}

/**
 * The Lua source for `policy`: the counting check (`consume`, KEYS[1] and, for the sliding log,
 * ARGV[1] = a unique member) or the read-only look (KEYS[1] only).
 */
export function rateLimitLua(policy: RateLimitStorePolicy, consume: boolean): string {
  switch (policy.algorithm) {
    case 'sliding-log':
      return slidingLogLua(policy, consume);
    case 'sliding-window':
      return slidingWindowLua(policy, consume);
    default:
      return tokenBucketLua(policy, consume);
  }
}
