-- Scenario (d) of benches/run: get.lua plus a `request` listener that keeps every response
-- time at 1 µs resolution. Locust's percentile table (which cicada prints) rounds to whole
-- milliseconds, too coarse to compare with wrk's within 100 µs, so when the shard quits this
-- writes cicada's own p50/p99 exactly, as one line on stderr that benches/run parses:
--   cicada-bench latency shard=0 n=12345 p50_us=2101 p99_us=2380
local cicada = require("cicada")

local GetUser = cicada.HttpUser:extend("GetUser", {})

GetUser:task(function(self)
  self.client:get("/")
end)

local counts, total = {}, 0

cicada.events.request:add_listener(function(r)
  local us = math.floor(r.response_time * 1000 + 0.5)
  counts[us] = (counts[us] or 0) + 1
  total = total + 1
end)

-- The smallest response time at or below which at least `p` of all requests fall.
local function percentile(sorted_us, p)
  local rank, seen = math.max(1, math.ceil(p * total)), 0
  for _, us in ipairs(sorted_us) do
    seen = seen + counts[us]
    if seen >= rank then
      return us
    end
  end
  return -1
end

cicada.events.quitting:add_listener(function(env)
  local sorted_us = {}
  for us in pairs(counts) do
    sorted_us[#sorted_us + 1] = us
  end
  table.sort(sorted_us)
  io.stderr:write(string.format("cicada-bench latency shard=%d n=%d p50_us=%d p99_us=%d\n",
    env.shard_index, total, percentile(sorted_us, 0.5), percentile(sorted_us, 0.99)))
end)
