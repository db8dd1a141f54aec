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
 * scripts run unchanged on a Redis Cluster. Arguments: limit, windowMs, capacity, member
 * (a unique id for this check), consume (1 = check, 0 = read only).
 * Reply: { allowed, remaining, retryAfterMs, resetAfterMs, current } (durations, not instants:
 * the caller converts them to its own clock).
 *
 * Kept lean on purpose (math functions in locals, expiry written once per window or refill
 * rather than on every check): Lua time is Redis time, and Redis runs one script at a time.
 */

const PRELUDE = `
local floor, ceil, max = math.floor, math.ceil, math.max
local t = redis.call('TIME')
local now = t[1] * 1000 + t[2] / 1000
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local capacity = tonumber(ARGV[3])
local consume = ARGV[5] == '1'
local eps = 1e-9
`;

/**
 * Sliding log: a sorted set of the allowed requests of the last window, scored by time (µs
 * precision). Members are unique per check (two requests in the same microsecond both count);
 * rejected requests are not added, so hammering does not extend the ban.
 */
export const SLIDING_LOG_LUA = `${PRELUDE}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if consume and count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  count = count + 1
  allowed = 1
end
local retry = 0
local reset = window
if allowed == 0 then
  -- the log is only read back on the slow paths: a rejection or a read-only look
  if count >= limit then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    retry = max(1, ceil(tonumber(oldest[2]) + window - now))
  end
  reset = 0
  if count > 0 then
    local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
    reset = max(0, ceil(tonumber(newest[2]) + window - now))
  end
end
return { allowed, limit - count, retry, reset, count }
`;

/**
 * Sliding window: one small hash {i = window index, c = count in it, p = count in the previous
 * window}; the estimate weights the previous window by how much of it still overlaps. O(1)
 * memory per key whatever the limit. Within a window an allowed check is one HINCRBY: the
 * expiry (end of the next window, when the counts stop mattering) is set once per window.
 */
export const SLIDING_WINDOW_LUA = `${PRELUDE}
local index = floor(now / window)
local state = redis.call('HMGET', KEYS[1], 'i', 'c', 'p')
local stored = tonumber(state[1])
local current, previous = 0, 0
if stored == index then
  current = tonumber(state[2]) or 0
  previous = tonumber(state[3]) or 0
elseif stored == index - 1 then
  previous = tonumber(state[2]) or 0
end
local elapsed = now - index * window
local estimate = previous * (window - elapsed) / window + current
local allowed = 0
if consume and estimate + 1 <= limit + eps then
  current = current + 1
  estimate = estimate + 1
  allowed = 1
end
local retry = 0
if allowed == 0 and estimate + 1 > limit + eps then
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
if allowed == 1 then
  if stored == index then
    redis.call('HINCRBY', KEYS[1], 'c', 1)
  else
    redis.call('HSET', KEYS[1], 'i', index, 'c', current, 'p', previous)
    redis.call('PEXPIREAT', KEYS[1], (index + 2) * window)
  end
end
return { allowed, max(0, floor(limit - estimate + eps)), retry, ceil(reset), ceil(estimate - eps) }
`;

/**
 * Token bucket: one small hash {t = tokens left, a = when counted, x = the key's expiry};
 * refills `limit` tokens per window up to `capacity`. A rejected check writes nothing. The key
 * must outlive the moment the bucket is full again (an absent key IS a full bucket); its expiry
 * is pushed a whole refill further only when that moment passes it, so most checks are one HSET.
 */
export const TOKEN_BUCKET_LUA = `${PRELUDE}
local rate = limit / window
local tokens = capacity
local deadline = 0
local state = redis.call('HMGET', KEYS[1], 't', 'a', 'x')
if state[1] then
  tokens = math.min(capacity, tonumber(state[1]) + max(0, now - tonumber(state[2])) * rate)
  deadline = tonumber(state[3]) or 0
end
local allowed = 0
if consume and tokens + eps >= 1 then
  tokens = tokens - 1
  allowed = 1
end
local retry = 0
if allowed == 0 and tokens + eps < 1 then retry = max(1, ceil((1 - tokens) / rate)) end
local reset = max(0, ceil((capacity - tokens) / rate))
if allowed == 1 then
  if now + reset > deadline then
    deadline = ceil(now + reset + capacity / rate)
    redis.call('HSET', KEYS[1], 't', tokens, 'a', now, 'x', deadline)
    redis.call('PEXPIREAT', KEYS[1], deadline)
  else
    redis.call('HSET', KEYS[1], 't', tokens, 'a', now)
  end
end
return { allowed, max(0, floor(tokens + eps)), retry, reset, max(0, ceil(capacity - tokens - eps)) }
`;
