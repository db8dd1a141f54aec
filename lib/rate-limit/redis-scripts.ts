/**
 * The Lua scripts of the Redis store, one per algorithm, mirroring algorithms.ts.
 *
 * Why Lua: read, decide and write happen in ONE atomic step on the server, in ONE round trip,
 * so concurrent checks from any number of processes can never both take the last slot.
 * Why `TIME` inside the script: every app host gets the same clock (Redis's), so skewed hosts
 * agree on windows. Redis 7 replicates script effects (not the script), so a non-deterministic
 * command like `TIME` is allowed before writes.
 *
 * Each algorithm is ONE set of Lua functions over a policy scope (`do … end` holding the
 * policy's constants): `check(key, cost, bkey)` charges `cost` units all or nothing,
 * `read(key, cost, bkey, penalize)` answers whether `cost` would fit without charging,
 * `refund(key, units)` gives units back. `bkey` is the key's block key (`<key>:b`, same hash
 * tag), read and written only by a policy with `blockMs`: a blocked key answers denied at once
 * (counters untouched), a denial sets the block with `PX`. Scripts built around them:
 * - the batch script (what `check()` sends): KEYS[1..n] are the keys of every check the
 *   process issued in one event-loop turn, all in one cluster slot; one `TIME`, then the
 *   function once per key, in order (a key checked twice sees its first check), each under
 *   `pcall` so a failing key (WRONGTYPE, OOM) answers its own error and the others their
 *   results. The whole batch is one atomic script: every check in it is as atomic as alone.
 *   ARGV holds one cost per check, or a single cost that every check of the batch charges
 *   (absent: every cost is 1, the plain path).
 * - the hitAll script: KEYS are (key, block key) pairs, ARGV their costs, each check under its
 *   own policy; phase one reads every check, and only if all fit does phase two charge them.
 *   One script: no other command runs in between, so it is all or nothing under any load.
 * - the refund script: KEYS[1], ARGV[1] units.
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

/** One algorithm as Lua: the clock prelude (once per script), a policy's scope and function bodies. */
interface AlgorithmLua {
  clock: string;
  /** Locals of one policy (inside `do … end`). */
  scope: (policy: RateLimitStorePolicy) => string;
  /** Body of `function (key, cost, bkey)`: charges `cost` if it fits. */
  check: (policy: RateLimitStorePolicy) => string;
  /** Body of `function (key, cost, bkey, penalize)`: would `cost` fit? (a block set on a denial when `penalize`). */
  read: (policy: RateLimitStorePolicy, withBlock: boolean) => string;
  /** Body of `function (key, units)`: answers `{ refunded, remaining }`. */
  refund: (policy: RateLimitStorePolicy) => string;
}

const blocks = (policy: RateLimitStorePolicy): boolean => (policy.blockMs ?? 0) > 0;

/** A blocked key answers denied with the block's remaining time, without touching counters. */
const blockGuard = (policy: RateLimitStorePolicy): string => (blocks(policy) ? `
  local blocked = redis.call('PTTL', bkey)
  if blocked > 0 then return { 0, 0, blocked, blocked, 0 } end` : '');

/** On a denial (`when` true): set the block and make the waits at least as long. */
const penalty = (policy: RateLimitStorePolicy, when: string): string => (blocks(policy) ? `
    if ${when} then
      redis.call('SET', bkey, '1', 'PX', '${num(policy.blockMs!)}')
      retry = max(retry, ${num(policy.blockMs!)})
      reset = max(reset, ${num(policy.blockMs!)})
    end` : '');

/**
 * Sliding log: a Redis list of the times (integer microseconds, oldest first) of the allowed
 * requests of the last window. Times only grow, so expired entries are always at the head and
 * the log is a queue: a check trims the expired head (read in small chunks: usually one
 * `LRANGE` of 4 entries), appends the request and reads the count from `RPUSH`'s reply; over
 * the limit it takes its entry back (`RPOP`), so rejected requests are never counted and
 * hammering does not extend the ban. Every request is its own entry: two in the same
 * microsecond both count. Every operation is O(1) amortized (a sorted set paid O(n) per insert
 * in its listpack: 6.8 → 5.3 µs per check at ~150 entries, bench/rate-limit/RESULTS.md).
 * A cost of n is n entries (pushed only if all fit). A refund pops the newest entries: the log
 * cannot tell whose they were, so an older request's refunded units return a little later
 * than exact (they leave with the newest entries' times, not their own).
 */
const slidingLogLua: AlgorithmLua = {
  clock: `local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
local stamp = string.format('%.0f', now)
local ceil, max = math.ceil, math.max
`,
  // `firstLive(key)` → index of the oldest live entry (entries before it left the window).
  // Chunks grow 4×, so a long run of expired entries is read in O(run) with few calls.
  scope: (policy) => `local limit, span = ${num(policy.limit)}, ${num(policy.windowMs * 1000)}
local horizon = now - span
local function firstLive(key)
  local first, chunk = 0, 4
  while true do
    local head = redis.call('LRANGE', key, first, first + chunk - 1)
    local n, i = #head, 1
    while i <= n and head[i] + 0 <= horizon do i = i + 1 end
    first = first + i - 1
    if i <= n or n < chunk then return first end
    chunk = chunk * 4
  end
end
`,
  check: (policy) => {
    const window = num(policy.windowMs);
    return `${blockGuard(policy)}
  local first = firstLive(key)
  if first > 0 then redis.call('LTRIM', key, first, -1) end
  local count
  if cost >= 1 and cost <= 64 then
    -- push, keep the entries if they fit, else take them back (one call fewer than LLEN first)
    if cost == 1 then
      count = redis.call('RPUSH', key, stamp)
    else
      local stamps = {}
      for j = 1, cost do stamps[j] = stamp end
      count = redis.call('RPUSH', key, unpack(stamps))
    end
    if count <= limit then
      redis.call('PEXPIRE', key, '${window}')
      return (limit - count) * ${PACKED_REMAINING_UNIT} + ${window}
    end
    redis.call('RPOP', key, cost)
    count = count - cost
  else
    count = redis.call('LLEN', key)
    if cost > 0 and count + cost <= limit then
      local pushed = 0
      while pushed < cost do
        local n = cost - pushed
        if n > 1000 then n = 1000 end
        local stamps = {}
        for j = 1, n do stamps[j] = stamp end
        redis.call('RPUSH', key, unpack(stamps))
        pushed = pushed + n
      end
      redis.call('PEXPIRE', key, '${window}')
      count = count + cost
      return (limit - count) * ${PACKED_REMAINING_UNIT} + ${window}
    end
  end
  first = 0
  ${slidingLogWaits(policy, 'true')}`;
  },
  read: (policy, withBlock) => `${withBlock ? blockGuard(policy) : ''}
  local first = firstLive(key)
  local count = redis.call('LLEN', key) - first
  ${slidingLogWaits(withBlock ? policy : { ...policy, blockMs: 0 }, 'penalize')}`,
  refund: () => `
  local first = firstLive(key)
  if first > 0 then redis.call('LTRIM', key, first, -1) end
  local count = redis.call('LLEN', key)
  local n = units
  if n > count then n = count end
  if n > 0 then redis.call('RPOP', key, n) end
  return { n, max(0, limit - count + n) }
`,
};

/** The sliding log's slow path: when may `cost` pass (the `need`-th oldest entry leaves), when is the full quota back. */
function slidingLogWaits(policy: RateLimitStorePolicy, penalize: string): string {
  return `local need = count + cost - limit
  local reset = 0
  if count > 0 then reset = max(0, ceil((redis.call('LINDEX', key, first + count - 1) + span - now) / 1000)) end
  local retry, allowed = 0, 1
  if need > 0 then
    allowed = 0
    if need > count then retry = max(1, reset)
    else retry = max(1, ceil((redis.call('LINDEX', key, first + need - 1) + span - now) / 1000)) end${penalty(policy, penalize)}
  end
  return { allowed, max(0, limit - count), retry, reset, count }
`;
}

/**
 * Sliding window: one small hash {i = window index, c = count in it, p = count in the previous
 * window}; the estimate weights the previous window by how much of it still overlaps. O(1)
 * memory per key whatever the limit. Within a window an allowed check is one HINCRBY: the
 * expiry (end of the next window, when the counts stop mattering) is set once per window.
 * A refund takes from the current window first, then from the previous one.
 */
const SLIDING_WINDOW_STATE = `
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
  local estimate = previous * (window - elapsed) / window + current`;

function slidingWindowWaits(policy: RateLimitStorePolicy, penalize: string): string {
  return `
  local reset = 0
  if current > 0 then reset = 2 * window - elapsed elseif previous > 0 then reset = window - elapsed end
  reset = ceil(reset)
  local retry, allowed = 0, 1
  if estimate + cost > limit + eps then
    allowed = 0
    if cost > limit then
      retry = max(1, reset)
    else
      local wait
      if current + cost <= limit and previous > 0 then
        wait = window * (1 - (limit - cost - current) / previous) - elapsed
      else
        wait = window - elapsed + window * (1 - (limit - cost) / current)
      end
      retry = max(1, ceil(wait))
    end${penalty(policy, penalize)}
  end
  return { allowed, max(0, floor(limit - estimate + eps)), retry, reset, ceil(estimate - eps) }
`;
}

const slidingWindowLua: AlgorithmLua = {
  clock: MS_CLOCK,
  scope: (policy) => `local limit, window = ${num(policy.limit)}, ${num(policy.windowMs)}
local elapsed = now % window
local index = (now - elapsed) / window
`,
  check: (policy) => `${blockGuard(policy)}${SLIDING_WINDOW_STATE}
  if cost > 0 and estimate + cost <= limit + eps then
    if stored == index then
      if cost == 1 then redis.call('HINCRBY', key, 'c', '1') else redis.call('HINCRBY', key, 'c', cost) end
    else
      redis.call('HSET', key, 'i', index, 'c', current + cost, 'p', previous)
      redis.call('PEXPIREAT', key, (index + 2) * window)
    end
    local remaining = limit - estimate - cost + eps
    if remaining < 0 then remaining = 0 end
    local reset = 2 * window - elapsed
    return (remaining - remaining % 1) * ${PACKED_REMAINING_UNIT} + reset + (-reset % 1)
  end${slidingWindowWaits(policy, 'true')}`,
  read: (policy, withBlock) => `${withBlock ? blockGuard(policy) : ''}${SLIDING_WINDOW_STATE}${slidingWindowWaits(withBlock ? policy : { ...policy, blockMs: 0 }, 'penalize')}`,
  refund: () => `${SLIDING_WINDOW_STATE}
  local take = units
  if take > current then take = current end
  local rest = units - take
  if rest > previous then rest = previous end
  if take + rest > 0 then
    redis.call('HSET', key, 'i', index, 'c', current - take, 'p', previous - rest)
    if stored ~= index then redis.call('PEXPIREAT', key, (index + 2) * window) end
  end
  estimate = (previous - rest) * (window - elapsed) / window + current - take
  return { take + rest, max(0, floor(limit - estimate + eps)) }
`,
};

/**
 * Token bucket, stored as the moment the bucket is full again (GCRA's "theoretical arrival
 * time"): one small hash {g = that moment in ms, x = the key's expiry}. Tokens now are
 * `capacity - max(0, g - now) * rate`, the same bucket as algorithms.ts (`limit` tokens per
 * window, up to `capacity`) with one number to write instead of two. A rejected check writes
 * nothing. The key must outlive `g` (an absent key IS a full bucket); its expiry is pushed a
 * whole refill further only when `g` passes it, so most checks are one HSET. A refund moves
 * `g` back (exact; a full bucket is deleted).
 */
const TOKEN_BUCKET_STATE = `
  local tokens, deadline = capacity, 0
  local state = redis.call('HMGET', key, 'g', 'x')
  if state[1] then
    local owed = state[1] - now
    if owed > 0 then tokens = capacity - owed * rate end
    deadline = (state[2] or 0) + 0
  end`;

function tokenBucketWaits(policy: RateLimitStorePolicy, penalize: string): string {
  return `
  local reset = max(0, ceil((capacity - tokens) / rate))
  local retry, allowed = 0, 1
  if tokens + eps < cost then
    allowed = 0
    if cost > capacity then retry = max(1, reset) else retry = max(1, ceil((cost - tokens) / rate)) end${penalty(policy, penalize)}
  end
  return { allowed, max(0, floor(tokens + eps)), retry, reset, max(0, ceil(capacity - tokens - eps)) }
`;
}

const tokenBucketLua: AlgorithmLua = {
  clock: MS_CLOCK,
  scope: (policy) => `local limit, window, capacity = ${num(policy.limit)}, ${num(policy.windowMs)}, ${num(policy.capacity)}
local rate = limit / window
`,
  check: (policy) => `${blockGuard(policy)}${TOKEN_BUCKET_STATE}
  if cost > 0 and tokens + eps >= cost then
    tokens = tokens - cost
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
  end${tokenBucketWaits(policy, 'true')}`,
  read: (policy, withBlock) => `${withBlock ? blockGuard(policy) : ''}${TOKEN_BUCKET_STATE}${tokenBucketWaits(withBlock ? policy : { ...policy, blockMs: 0 }, 'penalize')}`,
  refund: () => `${TOKEN_BUCKET_STATE}
  local give = capacity - tokens
  if give > units then give = units end
  if give > 0 then
    tokens = tokens + give
    if tokens >= capacity - eps then
      redis.call('DEL', key)
    else
      redis.call('HSET', key, 'g', now + (capacity - tokens) / rate)
    end
  else
    give = 0
  end
  return { floor(give + 0.5), max(0, floor(tokens + eps)) }
`,
};

function algorithmLua(policy: RateLimitStorePolicy): AlgorithmLua {
  switch (policy.algorithm) {
    case 'sliding-log':
      return slidingLogLua;
    case 'sliding-window':
      return slidingWindowLua;
    default:
      return tokenBucketLua;
  }
}

/** How many KEYS one check of `policy` takes in a batch: the key, plus its block key when it blocks. */
export const keysPerCheck = (policy: RateLimitStorePolicy): 1 | 2 => (blocks(policy) ? 2 : 1);

/**
 * The single-key Lua source for `policy` (KEYS[1], and KEYS[2] the block key when it blocks):
 * the counting check of one unit (`consume`) or the read-only look (`info()`: counters only).
 */
export function rateLimitLua(policy: RateLimitStorePolicy, consume: boolean): string {
  const lua = algorithmLua(policy);
  const fn = consume ? `function(key, cost, bkey)${lua.check(policy)}end` : `function(key, cost, bkey, penalize)${lua.read(policy, false)}end`;
  return `${lua.clock}local check
do
${lua.scope(policy)}check = ${fn}
end
return check(KEYS[1], 1, KEYS[2], false)
`;
}

/**
 * The batch check script for `policy`: checks (KEYS[1..n], or key/block-key pairs for a
 * blocking policy) are checked in order at one Redis instant; ARGV, when given, holds their
 * costs. The reply is an array with one entry per check: the check's reply, or an error reply
 * for a check whose commands failed (the other checks are unaffected).
 */
export function rateLimitBatchLua(policy: RateLimitStorePolicy): string {
  const lua = algorithmLua(policy);
  const stride = keysPerCheck(policy);
  const call = stride === 1 ? 'pcall(check, KEYS[i], cost)' : 'pcall(check, KEYS[2 * i - 1], cost, KEYS[2 * i])';
  return `${lua.clock}local check
do
${lua.scope(policy)}check = function(key, cost, bkey)${lua.check(policy)}end
end
local costs = #ARGV > 1
local cost = 1
if #ARGV == 1 then cost = tonumber(ARGV[1]) end
local replies = {}
for i = 1, #KEYS${stride === 1 ? '' : ' / 2'} do
  if costs then cost = tonumber(ARGV[i]) end
  local ok, reply = ${call}
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

/**
 * The hitAll script for sets of checks under `policies` (one per check of a set, in order; all
 * of one algorithm). The checks issued in one event-loop turn with the same policies share one
 * call: KEYS are every set's (key, block key) pairs, ARGV every set's costs. Per set, phase one
 * reads every check (a denial under a blocking policy sets its block); phase two, only if all
 * fit, charges them. The reply: per set, one answer per check (as the batch script's), or an
 * error reply for a set whose commands failed.
 */
export function rateLimitHitAllLua(policies: readonly RateLimitStorePolicy[]): string {
  const distinct = [...new Set(policies)];
  const lua = algorithmLua(policies[0]!);
  const scopes = distinct.map((policy, i) => `do
${lua.scope(policy)}reads[${i + 1}] = function(key, cost, bkey, penalize)${lua.read(policy, true)}end
checks[${i + 1}] = function(key, cost, bkey)${lua.check(policy)}end
end
`).join('');
  return `${lua.clock}local reads, checks = {}, {}
${scopes}local order = { ${policies.map((p) => distinct.indexOf(p) + 1).join(', ')} }
local n = #order
local function hitAll(base)
  local answers, denied = {}, false
  for i = 1, n do
    local j = base + i
    local answer = reads[order[i]](KEYS[2 * j - 1], tonumber(ARGV[j]), KEYS[2 * j], true)
    answers[i] = answer
    if answer[1] == 0 then denied = true end
  end
  if denied then return answers end
  for i = 1, n do
    local j = base + i
    answers[i] = checks[order[i]](KEYS[2 * j - 1], tonumber(ARGV[j]), KEYS[2 * j])
  end
  return answers
end
local replies = {}
for s = 1, #ARGV / n do
  local ok, reply = pcall(hitAll, (s - 1) * n)
  if ok then
    replies[s] = reply
  elseif type(reply) == 'table' and reply.err then
    replies[s] = reply
  else
    replies[s] = { err = 'ERR rate limit script: ' .. tostring(reply) }
  end
end
return replies
`;
}

/** The refund script for `policy`: gives back up to ARGV[1] units of KEYS[1]; answers `{ refunded, remaining }`. */
export function rateLimitRefundLua(policy: RateLimitStorePolicy): string {
  const lua = algorithmLua(policy);
  return `${lua.clock}local refund
do
${lua.scope(policy)}refund = function(key, units)${lua.refund(policy)}end
end
return refund(KEYS[1], tonumber(ARGV[1]))
`;
}
