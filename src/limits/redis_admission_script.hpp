// Internal: the Lua script that runs one admission in Redis, atomically.
//
// The same steps as MemoryLimiter::decide() (see admission.hpp and gcra.hpp). Lua 5.1
// numbers are doubles: every value here (microsecond times near 2^51, bucket depths up to
// 366 days, byte counts up to 10^15) is an integer below 2^53, so exact; numbers go to
// Redis through string.format('%d') because tostring() would print 1.7e+15.
//
// KEYS  the rate buckets, then the open-uploads set (if checked), then the quota (if).
// ARGV  rates, has_uploads (0/1), has_quota (0/1),
//       per rate: T and capacity in microseconds,
//       uploads: max, upload id, ttl in microseconds,
//       quota: bytes, limit, window in seconds.
// Reply now (µs), reason (0 within limits, 1 rate, 2 open uploads, 3 quota), each rate's
//       tat, open uploads, earliest slot expiry (0 if none), quota bytes used, quota
//       window start (s) — detail::Observation, field for field.
#pragma once

#include <string_view>

namespace upgate::limits::detail {

inline constexpr std::string_view kAdmissionScript = R"lua(-- upgate: one admission
local clock = redis.call('TIME')
local now_s = tonumber(clock[1])
local now = now_s * 1000000 + tonumber(clock[2])
local rates = tonumber(ARGV[1])
local has_uploads = ARGV[2] == '1'
local has_quota = ARGV[3] == '1'

local function int(n) return string.format('%d', n) end
-- Milliseconds until `at` (microseconds), rounded up, plus one: no key expires early.
local function ttl_ms(at) return int(math.floor((at - now + 999) / 1000) + 1) end

-- 1. Every rate must pass; 2. then each takes one request.
local reason = 0
local tats = {}
for i = 1, rates do
  local tat = tonumber(redis.call('GET', KEYS[i]) or 0)
  if tat < now then tat = now end
  tats[i] = tat
  if tat + tonumber(ARGV[2 + 2 * i]) - tonumber(ARGV[3 + 2 * i]) > now then reason = 1 end
end
if reason == 0 then
  for i = 1, rates do
    tats[i] = tats[i] + tonumber(ARGV[2 + 2 * i])
    redis.call('SET', KEYS[i], int(tats[i]), 'PX', ttl_ms(tats[i]))
  end
end

-- 3. The upload slot and the quota: both or neither.
local arg, key = 4 + 2 * rates, rates + 1
local open, earliest = 0, 0
local uploads, upload_id, upload_ttl
if has_uploads then
  uploads = KEYS[key]
  key = key + 1
  local max_open = tonumber(ARGV[arg])
  upload_id, upload_ttl = ARGV[arg + 1], tonumber(ARGV[arg + 2])
  arg = arg + 3
  redis.call('ZREMRANGEBYSCORE', uploads, '-inf', int(now))
  open = redis.call('ZCARD', uploads)
  local present = redis.call('ZSCORE', uploads, upload_id)
  if reason == 0 and not present and open >= max_open then reason = 2 end
end
local used, window_start = 0, 0
local quota, bytes, window
if has_quota then
  quota = KEYS[key]
  bytes, window = tonumber(ARGV[arg]), tonumber(ARGV[arg + 2])
  window_start = now_s - now_s % window
  local stored = redis.call('HMGET', quota, 'w', 'u')
  if stored[1] and tonumber(stored[1]) == window_start then used = tonumber(stored[2]) end
  if reason == 0 and used + bytes > tonumber(ARGV[arg + 1]) then reason = 3 end
end
if reason == 0 and has_uploads then
  redis.call('ZADD', uploads, int(now + upload_ttl), upload_id)
  open = redis.call('ZCARD', uploads)
  local last = redis.call('ZRANGE', uploads, -1, -1, 'WITHSCORES')
  redis.call('PEXPIRE', uploads, ttl_ms(tonumber(last[2])))
end
if has_uploads and open > 0 then
  earliest = tonumber(redis.call('ZRANGE', uploads, 0, 0, 'WITHSCORES')[2])
end
if reason == 0 and has_quota then
  used = used + bytes
  redis.call('HSET', quota, 'w', int(window_start), 'u', int(used))
  redis.call('PEXPIRE', quota, ttl_ms((window_start + window) * 1000000))
end

local reply = {now, reason}
for i = 1, rates do reply[#reply + 1] = tats[i] end
reply[#reply + 1] = open
reply[#reply + 1] = earliest
reply[#reply + 1] = used
reply[#reply + 1] = window_start
return reply
)lua";

}  // namespace upgate::limits::detail
