-- Scenario (c) of benches/run, shared pool: mostly idle users (one GET, then 5-10 s of
-- waiting) sharing their shard's connection pool. Run with -u 100000 to measure RSS per idle
-- user and how long spawning takes.
local cicada = require("cicada")

local IdleShared = cicada.HttpUser:extend("IdleShared", {
  wait_time = cicada.between(5, 10),
  pool = "shared",
})

IdleShared:task(function(self)
  self.client:get("/")
end)
