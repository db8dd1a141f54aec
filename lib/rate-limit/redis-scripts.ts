/**
 * The Lua scripts of the Redis store, one per algorithm, mirroring algorithms.ts.
 *
 * Why Lua: read, decide and write happen in ONE atomic step on the server, in ONE round trip,
 * so concurrent checks from any number of processes can never both take the last slot.
 * Why `TIME` inside the script: every app host gets the same clock (Redis's), so skewed hosts
 * agree on windows. Redis 7 replicates script effects (not the script), so a non-deterministic
 * command like `TIME` is allowed before writes.
 *
 * Each algorithm is ONE Lua function `check(key)` (or its read-only variant). Two
 * scripts are built around it:
 * - the batch script (what `check()` sends): KEYS[1..n] are the keys of every check the
 *   process issued in one event-loop turn, all in one cluster slot; one `TIME`, then the
 *   function once per key, in order (a key checked twice sees its first check), each under
 *   `pcall` so a failing key (WRONGTYPE, OOM) answers its own error and the others their
 *   results. The whole batch is one atomic script: every check in it is as atomic as alone.
 * - the single-key script (`info()`, and the bench's per-check ceiling): KEYS[1] only.
 *
 * Lua time is Redis time, and Redis runs one script at a time, so the scripts are built per
 * policy and kept lean (measured with INFO commandstats, see bench/rate-limit/RESULTS.md):
 * - the policy (limit, window, capacity) is baked into the script text as number literals: no
 *   arguments to send, parse and convert on every call (one script per limiter policy);
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
const MS_CLOCK = `local t = redis.call('TIME')
local now = t[1] * 1000 + t[2] / 1000
local eps = 1e-9
local floor, ceil, max = math.floor, math.ceil, math.max
`;

/** One algorithm as Lua: the clock prelude (once per script) and the body of `function (key)`. */
interface AlgorithmLua {
  clock: string;
  body: string;
}

/**
 * Sliding log: a Redis list of the times (integer microseconds, oldest first) of the allowed
 * requests of the last window. Times only grow, so expired entries are always at the head and
 * the log is a queue: a check trims the expired head (read in small chunks: usually one
 * `LRANGE` of 4 entries), appends the request and reads the count from `RPUSH`'s reply; over
 * the limit it takes its entry back (`RPOP`), so rejected requests are never counted and
 * hammering does not extend the ban. Every request is its own entry: two in the same
 * microsecond both count. Every operation is O(1) amortized (a sorted set paid O(n) per insert
 * in its listpack: 6.8 → 5.3 µs per check at ~150 entries, bench/rate-limit/RESULTS.md).
 */
function slidingLogLua(policy: RateLimitStorePolicy, consume: boolean): AlgorithmLua {
  const limit = num(policy.limit);
  const window = num(policy.windowMs);
  // `firstLive(key)` → index of the oldest live entry and that entry (nil: none is live).
  // Chunks grow 4×, so a long run of expired entries is read in O(run) with few calls.
  const firstLive = `
local function firstLive(key)
  local first, chunk = 0, 4
  while true do
    local head = redis.call('LRANGE', key, first, first + chunk - 1)
    local n, i = #head, 1
    while i <= n and head[i] + 0 <= horizon do i = i + 1 end
    first = first + i - 1
    if i <= n or n < chunk then return first, head[i] end
    chunk = chunk * 4
  end
end
`;
  // the slow paths: when may the next request pass (the entry that must leave first), and
  // when is the full quota back (the newest entry leaves)
  const waits = `local retry = 0
  if count >= limit then retry = max(1, ceil((redis.call('LINDEX', key, first + count - limit) + span - now) / 1000)) end
  local reset = 0
  if count > 0 then reset = max(0, ceil((redis.call('LINDEX', key, -1) + span - now) / 1000)) end
  return { 0, max(0, limit - count), retry, reset, count }
`;
  return {
    clock: `local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
local stamp = string.format('%.0f', now)
local limit, span = ${limit}, ${num(policy.windowMs * 1000)}
local horizon = now - span
local ceil, max = math.ceil, math.max
${firstLive}`,
    body: consume ? `
  local first = firstLive(key)
  if first > 0 then redis.call('LTRIM', key, first, -1) end
  local count = redis.call('RPUSH', key, stamp)
  if count <= limit then
    redis.call('PEXPIRE', key, '${window}')
    return (limit - count) * ${PACKED_REMAINING_UNIT} + ${window}
  end
  redis.call('RPOP', key)
  count, first = count - 1, 0
  ${waits}` : `
  local first = firstLive(key)
  local count = redis.call('LLEN', key) - first
  ${waits}`,
  };
}

/**
 * Sliding window: one small hash {i = window index, c = count in it, p = count in the previous
 * window}; the estimate weights the previous window by how much of it still overlaps. O(1)
 * memory per key whatever the limit. Within a window an allowed check is one HINCRBY: the
 * expiry (end of the next window, when the counts stop mattering) is set once per window.
 */
function slidingWindowLua(policy: RateLimitStorePolicy, consume: boolean): AlgorithmLua {
  const fast = consume ? `
  if estimate + 1 <= limit + eps then
    if stored == index then
      redis.call('HINCRBY', key, 'c', '1')
    else
      redis.call('HSET', key, 'i', index, 'c', current + 1, 'p', previous)
      redis.call('PEXPIREAT', key, (index + 2) * window)
    end
    local remaining = limit - estimate - 1 + eps
    if remaining < 0 then remaining = 0 end
    local reset = 2 * window - elapsed
    return (remaining - remaining % 1) * ${PACKED_REMAINING_UNIT} + reset + (-reset % 1)
  end` : '';
  return {
    clock: `${MS_CLOCK}local limit, window = ${num(policy.limit)}, ${num(policy.windowMs)}
local elapsed = now % window
local index = (now - elapsed) / window
`,
    body: `
  local state = redis.call('HMGET', key, 'i', 'c', 'p')
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
  local retry = 0
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
`,
  };
}

/**
 * Token bucket, stored as the moment the bucket is full again (GCRA's "theoretical arrival
 * time"): one small hash {g = that moment in ms, x = the key's expiry}. Tokens now are
 * `capacity - max(0, g - now) * rate`, the same bucket as algorithms.ts (`limit` tokens per
 * window, up to `capacity`) with one number to write instead of two. A rejected check writes
 * nothing. The key must outlive `g` (an absent key IS a full bucket); its expiry is pushed a
 * whole refill further only when `g` passes it, so most checks are one HSET.
 */
function tokenBucketLua(policy: RateLimitStorePolicy, consume: boolean): AlgorithmLua {
  const fast = consume ? `
  if tokens + eps >= 1 then
    tokens = tokens - 1
    local wait = (capacity - tokens) / rate
    local full = now + wait
    if full > deadline then
      deadline = full + capacity / rate
      deadline = deadline + (-deadline % 1)
      redis.call('HSET', key, 'g', full, 'x', deadline)
      redis.call('PEXPIREAT', key, deadline)
    else
      redis.call('HSET', key, 'g', full)
    end
    local reset = wait + (-wait % 1)
    local remaining = tokens + eps
    if remaining < 0 then remaining = 0 end
    remaining = remaining - remaining % 1
    if reset < ${PACKED_REMAINING_UNIT} then return remaining * ${PACKED_REMAINING_UNIT} + reset end
    return { 1, remaining, 0, reset, 0 }
  end` : '';
  return {
    clock: `${MS_CLOCK}local limit, window, capacity = ${num(policy.limit)}, ${num(policy.windowMs)}, ${num(policy.capacity)}
local rate = limit / window
`,
    body: `
  local tokens, deadline = capacity, 0
  local state = redis.call('HMGET', key, 'g', 'x')
  if state[1] then
    local owed = state[1] - now
    if owed > 0 then tokens = capacity - owed * rate end
    deadline = (state[2] or 0) + 0
  end${fast}
  local retry = 0
  if tokens + eps < 1 then retry = max(1, ceil((1 - tokens) / rate)) end
  local reset = max(0, ceil((capacity - tokens) / rate))
  return { 0, max(0, floor(tokens + eps)), retry, reset, max(0, ceil(capacity - tokens - eps)) }
`,
  };
}

function algorithmLua(policy: RateLimitStorePolicy, consume: boolean): AlgorithmLua {
  switch (policy.algorithm) {
    case 'sliding-log':
      return slidingLogLua(policy, consume);
    case 'sliding-window':
      return slidingWindowLua(policy, consume);
    default:
      return tokenBucketLua(policy, consume);
  }
}

/** The single-key Lua source for `policy` (KEYS[1]): the counting check (`consume`) or the read-only look. */
export function rateLimitLua(policy: RateLimitStorePolicy, consume: boolean): string {
  const { clock, body } = algorithmLua(policy, consume);
  return `${clock}local function check(key)${body}end
return check(KEYS[1])
`;
}

/**
 * The batch check script for `policy`: KEYS[1..n] are checked in order at one Redis instant.
 * The reply is an array with one entry per key: the check's reply, or an error reply for a key
 * whose commands failed (the other keys are unaffected).
 */
export function rateLimitBatchLua(policy: RateLimitStorePolicy): string {
  const { clock, body } = algorithmLua(policy, true);
  return `${clock}local function check(key)${body}end
local replies = {}
for i = 1, #KEYS do
  local ok, reply = pcall(check, KEYS[i])
  if ok then
    replies[i] = reply
  elseif type(reply) == 'table' and reply.err then
    replies[i] = reply
  else
    replies[i] = { err = 'ERR rate limit script: ' .. tostring(reply) }
  end
end
return replies
`;
}
